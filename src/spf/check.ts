/**
 * Checking a domain's published SPF record (RFC 7208) without a message: the
 * record is found, parsed, and every include/redirect followed, as a receiver
 * would for a message from an address that matches nothing (the worst case,
 * which reaches every term before `all`).
 *
 * Reported: exactly one `v=spf1` record (3.2); syntax (4.6); DNS-querying
 * terms (include, a, mx, ptr, exists, redirect) counted through the whole
 * tree against the limit of 10 (4.6.4), at most 10 MX names per `mx`, void
 * lookups (no answer, NXDOMAIN) against the limit of 2, include/redirect
 * loops; `+all` and `ptr` (5.5) as problems, a neutral `?all` as a note; and,
 * for a requirement, whether each include is reached and each ip4/ip6 range
 * authorised, with a record to publish when it is missing or falls short
 * (suggest.ts).
 *
 * Terms with macros that depend on the message (`%{i}`, `%{s}`, ...) count as
 * lookups but are not followed; `%{d}` is expanded.
 */
import type { LookupResult, LookupType } from "../dns/lookup";
import { canonicalName } from "../dns/names";
import { expandForDomain } from "./macro";
import { isMechanism, isSpfRecord, parseSpf, type SpfMechanism, type SpfTerm } from "./parse";
import { covered, type IpRange, parseRange, rangeOf } from "./ranges";
import type { SpfRequirement } from "./requirement";
import { suggestRecord } from "./suggest";

/** The DNS lookups the checker needs; ResolverLookup (src/dns/resolver.ts) implements it. */
export interface SpfResolver {
  lookup(name: string, type: LookupType): Promise<LookupResult>;
}

/** RFC 7208 4.6.4. */
export const LOOKUP_LIMIT = 10;
export const VOID_LIMIT = 2;
export const MX_NAME_LIMIT = 10;

export type SpfProblemCode =
  /** 3.2: more than one v=spf1 record (permerror). */
  | "multiple-records"
  /** 4.6: a term that does not parse (permerror). */
  | "syntax"
  /** 4.6.4: more than 10 DNS-querying terms. */
  | "lookup-limit"
  /** 4.6.4: more than 2 lookups with no answer. */
  | "void-limit"
  /** 4.6.4: an `mx` with more than 10 MX names. */
  | "mx-limit"
  /** An include or redirect that leads back to a record already being evaluated. */
  | "loop"
  /** 5.2, 6.1: the include or redirect target has no SPF record (permerror). */
  | "target-missing"
  /** A lookup failed (SERVFAIL, timeout...): receivers get a temperror; the check is incomplete. */
  | "dns-error"
  /** `+all` (or a bare `all`): every host on the Internet may send. */
  | "plus-all"
  /** 5.5: `ptr` SHOULD NOT be used: slow, unreliable, and ignored by some receivers. */
  | "ptr"
  /** `?all` or no `all` at all: unmatched senders get neutral, which protects nothing. */
  | "neutral-all"
  /** Notes: terms after `all`, redirect beside `all`, terms not followed because of macros, unknown modifiers named like mechanisms. */
  | "ignored"
  /** The suggested record itself needs more than 10 lookups. */
  | "suggestion-over-limit"
  /** checkParkedSpf: the record is not `v=spf1 -all`. */
  | "not-parked";

export interface SpfProblem {
  readonly code: SpfProblemCode;
  /** `error`: receivers fail or ignore the record, or it authorises too much; `warning`: it works but should change; `note`: worth knowing. */
  readonly severity: "error" | "warning" | "note";
  /** Where: the chain of terms from the domain, e.g. `example.com -> include:_spf.a -> include:_spf.b`. */
  readonly path: string;
  readonly message: string;
}

/** A required include or range the record does not authorise. */
export interface SpfUnauthorised {
  readonly kind: "include" | "ip4" | "ip6";
  readonly value: string;
  readonly reason: string;
}

export type SpfStatus = "ok" | "problem" | "missing" | "error";

export interface SpfCheck {
  readonly domain: string;
  /**
   * `missing`: no v=spf1 record at the domain. `error`: a DNS lookup failed, so the verdict is incomplete
   * (and there is no definite problem). `problem`: an `error`-severity problem, or a requirement not met. `ok` otherwise.
   */
  readonly status: SpfStatus;
  /** The v=spf1 record checked (the first when there are several). */
  readonly record?: string;
  /** Every v=spf1 record at the domain. */
  readonly records: readonly string[];
  /** DNS-querying terms through the whole include/redirect tree. */
  readonly lookupCount: number;
  readonly voidCount: number;
  readonly problems: readonly SpfProblem[];
  readonly unauthorised: readonly SpfUnauthorised[];
  /** A record to publish instead, when the record is missing (and something is required) or falls short. */
  readonly suggestion?: string;
  /** lookupCount of the suggestion. */
  readonly suggestionLookupCount?: number;
}

/** At most this many terms are followed in one tree, however the records nest (a guard against huge fan-out). */
const FOLLOW_LIMIT = 100;

type Found =
  | { readonly kind: "record"; readonly text: string; readonly all: readonly string[] }
  | { readonly kind: "none"; readonly void: boolean; readonly others: number }
  | { readonly kind: "error"; readonly reason: string };

/** Memoised lookups for one check: a name is asked once however often the tree names it. */
class Dns {
  private readonly cache = new Map<string, Promise<LookupResult>>();
  constructor(private readonly resolver: SpfResolver) {}
  lookup(name: string, type: LookupType): Promise<LookupResult> {
    const key = `${type} ${canonicalName(name)}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.resolver.lookup(name, type).catch((e: Error): LookupResult => ({ kind: "error", reason: e.message }));
      this.cache.set(key, p);
    }
    return p;
  }
  /** The SPF records at `name` (RFC 7208 4.4, 4.5): TXT records starting with v=spf1, strings joined. */
  async spf(name: string): Promise<Found> {
    const r = await this.lookup(name, "TXT");
    if (r.kind === "error") return { kind: "error", reason: r.reason };
    if (r.kind !== "answer") return { kind: "none", void: true, others: 0 };
    const records = r.values.map((strings) => strings.join("")).filter(isSpfRecord);
    if (!records.length) return { kind: "none", void: false, others: r.values.length };
    return { kind: "record", text: records[0], all: records };
  }
}

/** What walking one tree found. */
interface Walk {
  lookups: number;
  voids: number;
  followed: number;
  problems: SpfProblem[];
  /** Ranges a matching sender passes with (pass qualifier all the way down). */
  passRanges: IpRange[];
  /** Include and redirect targets reached, and whether with pass qualifiers all the way. */
  reached: Map<string, boolean>;
}

/** Walks the record `text` of `domain` and everything it includes or redirects to. */
async function walkRecord(dns: Dns, domain: string, text: string): Promise<Walk> {
  const w: Walk = { lookups: 0, voids: 0, followed: 0, problems: [], passRanges: [], reached: new Map() };
  await walk(dns, w, canonicalName(domain), text, [canonicalName(domain)], [canonicalName(domain)], true);
  return w;
}

/** `path`: the terms that led here, from the checked domain; `domains`: the records being evaluated, for loops. */
async function walk(dns: Dns, w: Walk, domain: string, text: string, path: string[], domains: string[], passing: boolean): Promise<void> {
  const at = (term?: string) => (term ? [...path, term] : path).join(" -> ");
  const add = (code: SpfProblemCode, severity: SpfProblem["severity"], where: string, message: string) =>
    w.problems.push({ code, severity, path: where, message });
  const parsed = parseSpf(text);
  for (const p of parsed.problems) add("syntax", "error", at(), `column ${p.column}, '${p.term}': ${p.reason}`);
  const allIndex = parsed.terms.findIndex((t) => t.kind === "all");
  const evaluated = allIndex < 0 ? parsed.terms : parsed.terms.slice(0, allIndex + 1);
  if (allIndex >= 0 && parsed.terms.slice(allIndex + 1).some(isMechanism)) {
    add("ignored", "note", at(), "mechanisms after 'all' are never evaluated");
  }
  const counted = (term: SpfTerm) => {
    w.lookups++;
    if (w.lookups === LOOKUP_LIMIT + 1) {
      add(
        "lookup-limit",
        "error",
        at(term.text),
        `this term is DNS lookup ${w.lookups}: the limit is ${LOOKUP_LIMIT} (RFC 7208 4.6.4), receivers return permerror`,
      );
    }
  };
  const voided = (term: SpfTerm, what: string) => {
    w.voids++;
    if (w.voids === VOID_LIMIT + 1) {
      add("void-limit", "error", at(term.text), `${what}: void lookup ${w.voids}, the limit is ${VOID_LIMIT} (RFC 7208 4.6.4), receivers may return permerror`);
    }
  };
  const dnsError = (term: SpfTerm, name: string, type: string, reason: string) =>
    add("dns-error", "error", at(term.text), `looking up ${type} ${name} failed: ${reason}; receivers return temperror`);
  /** The domain a term names (its own or the current one), or undefined after noting why it is not followed. */
  const target = (term: SpfTerm): string | undefined => {
    const spec = "domain" in term ? term.domain : undefined;
    if (!spec) return domain;
    const name = expandForDomain(spec.parts, domain);
    if (name === undefined) add("ignored", "note", at(term.text), "uses macros that depend on the message: counted, not followed");
    return name === undefined ? undefined : canonicalName(name);
  };
  const addRanges = (m: SpfMechanism, addresses: string[], prefix4: number, prefix6: number) => {
    if (passing && m.qualifier === "+") for (const a of addresses) w.passRanges.push(rangeOf(a, a.includes(":") ? prefix6 : prefix4));
  };
  /** Follows an include or redirect to `name`; `pass` says whether a match there means pass here. */
  const follow = async (term: SpfTerm, name: string, pass: boolean, kind: "include" | "redirect"): Promise<void> => {
    w.reached.set(name, (w.reached.get(name) ?? false) || pass);
    if (domains.includes(name)) {
      add("loop", "error", at(term.text), `${kind} leads back to ${name}, which is already being evaluated: a loop (receivers hit the lookup limit)`);
      return;
    }
    if (++w.followed > FOLLOW_LIMIT) return;
    const found = await dns.spf(name);
    if (found.kind === "error") {
      dnsError(term, name, "TXT", found.reason);
      return;
    }
    if (found.kind === "none") {
      if (found.void) voided(term, `${name} has no TXT record`);
      const rule = kind === "include" ? "5.2" : "6.1";
      add("target-missing", "error", at(term.text), `${name} has no SPF record: receivers return permerror (RFC 7208 ${rule})`);
      return;
    }
    if (found.all.length > 1)
      add("multiple-records", "error", at(term.text), `${name} has ${found.all.length} v=spf1 records: receivers return permerror (RFC 7208 3.2)`);
    await walk(dns, w, name, found.text, [...path, term.text], [...domains, name], pass);
  };

  for (const term of evaluated) {
    switch (term.kind) {
      case "all":
        if (term.qualifier === "+") add("plus-all", "error", at(term.text), `'${term.text}' lets every host on the Internet send as ${domain}`);
        else if (term.qualifier === "?" && path.length === 1)
          add("neutral-all", "note", at(term.text), "'?all' gives unmatched senders neutral: no protection");
        if (passing && term.qualifier === "+") w.passRanges.push(rangeOf("0.0.0.0", 0), rangeOf("::", 0));
        break;
      case "include": {
        counted(term);
        const name = target(term);
        if (name) await follow(term, name, passing && term.qualifier === "+", "include");
        break;
      }
      case "a": {
        counted(term);
        const name = target(term);
        if (!name) break;
        const [a, aaaa] = await Promise.all([dns.lookup(name, "A"), dns.lookup(name, "AAAA")]);
        for (const [r, type] of [
          [a, "A"],
          [aaaa, "AAAA"],
        ] as const)
          if (r.kind === "error") dnsError(term, name, type, r.reason);
        const addresses = [a, aaaa].flatMap((r) => (r.kind === "answer" ? r.values.map((v) => v[0]) : []));
        if (!addresses.length && a.kind !== "error" && aaaa.kind !== "error") voided(term, `${name} has no A or AAAA record`);
        addRanges(term, addresses, term.ip4Prefix, term.ip6Prefix);
        break;
      }
      case "mx": {
        counted(term);
        const name = target(term);
        if (!name) break;
        const mx = await dns.lookup(name, "MX");
        if (mx.kind === "error") {
          dnsError(term, name, "MX", mx.reason);
          break;
        }
        const hosts = mx.kind === "answer" ? mx.values.map((v) => v[0]).filter((h) => h !== "") : [];
        if (!hosts.length) voided(term, `${name} has no MX record`);
        if (hosts.length > MX_NAME_LIMIT) {
          add(
            "mx-limit",
            "error",
            at(term.text),
            `${name} has ${hosts.length} MX names: at most ${MX_NAME_LIMIT} (RFC 7208 4.6.4), receivers return permerror`,
          );
        }
        for (const host of hosts.slice(0, MX_NAME_LIMIT)) {
          const answers = await Promise.all([dns.lookup(host, "A"), dns.lookup(host, "AAAA")]);
          addRanges(
            term,
            answers.flatMap((r) => (r.kind === "answer" ? r.values.map((v) => v[0]) : [])),
            term.ip4Prefix,
            term.ip6Prefix,
          );
        }
        break;
      }
      case "ptr":
        counted(term);
        add("ptr", "error", at(term.text), "'ptr' SHOULD NOT be used (RFC 7208 5.5): slow and unreliable; list the senders with ip4/ip6, a or include");
        break;
      case "exists": {
        counted(term);
        const name = target(term);
        if (!name) break;
        const r = await dns.lookup(name, "A");
        if (r.kind === "error") dnsError(term, name, "A", r.reason);
        else if (r.kind !== "answer") voided(term, `${name} has no A record`);
        break;
      }
      case "ip4":
      case "ip6":
        if (passing && term.qualifier === "+") w.passRanges.push(rangeOf(term.network, term.prefix));
        break;
      case "unknown":
        if (["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"].includes(term.name.toLowerCase())) {
          add("ignored", "warning", at(term.text), `'${term.text}' is an unknown modifier, ignored by receivers: did you mean '${term.name}:${term.value}'?`);
        }
        break;
      case "redirect":
      case "exp":
        break;
    }
  }
  const redirect = parsed.terms.find((t) => t.kind === "redirect");
  if (redirect && allIndex >= 0) add("ignored", "note", at(redirect.text), "'redirect' is ignored because the record has 'all' (RFC 7208 6.1)");
  else if (redirect) {
    counted(redirect);
    const name = target(redirect);
    if (name) await follow(redirect, name, passing, "redirect");
  } else if (allIndex < 0 && path.length === 1) {
    add("neutral-all", "note", at(), "no 'all' and no 'redirect': unmatched senders get neutral, which protects nothing; end with '~all' or '-all'");
  }
}

/**
 * Checks the SPF record of `domain` and, when given, that it authorises `requirement`.
 * Never throws for DNS trouble: a failed lookup is a `dns-error` problem.
 */
export async function checkSpf(domain: string, resolver: SpfResolver, requirement?: SpfRequirement): Promise<SpfCheck> {
  const name = canonicalName(domain);
  const dns = new Dns(resolver);
  const found = await dns.spf(name);
  const base = { domain: name, lookupCount: 0, voidCount: 0, unauthorised: [] };
  if (found.kind === "error") {
    return {
      ...base,
      status: "error",
      records: [],
      problems: [{ code: "dns-error", severity: "error", path: name, message: `looking up TXT ${name} failed: ${found.reason}` }],
    };
  }
  if (found.kind === "none") {
    const unauthorised = requirement ? missingAll(requirement) : [];
    const message = found.others > 0 ? `${name} has ${found.others} TXT record(s), none of them starting with v=spf1` : `${name} has no TXT record`;
    const problems: SpfProblem[] = [{ code: "target-missing", severity: "error", path: name, message: `no SPF record: ${message}` }];
    return {
      ...base,
      status: "missing",
      records: [],
      unauthorised,
      problems,
      ...(requirement && unauthorised.length ? await suggest(dns, name, undefined, requirement, unauthorised, problems) : {}),
    };
  }
  const w = await walkRecord(dns, name, found.text);
  const problems = [...w.problems];
  if (found.all.length > 1) {
    problems.unshift({
      code: "multiple-records",
      severity: "error",
      path: name,
      message: `${name} has ${found.all.length} v=spf1 records: receivers return permerror (RFC 7208 3.2); merge them into one`,
    });
  }
  const unauthorised = requirement ? unmet(requirement, w) : [];
  const needsChange =
    found.all.length > 1 || unauthorised.length > 0 || problems.some((p) => p.code === "plus-all" || (p.code === "syntax" && p.path === name));
  const extra = needsChange ? await suggest(dns, name, found.all, requirement, unauthorised, problems) : {};
  return {
    ...base,
    status: statusOf(problems, unauthorised),
    record: found.text,
    records: found.all,
    lookupCount: w.lookups,
    voidCount: w.voids,
    problems,
    unauthorised,
    ...extra,
  };
}

/**
 * The record to publish, with its own lookup count; a problem added when it is over the limit too.
 * Includes are added (or re-qualified) first; then only the ranges they do not already cover.
 */
async function suggest(
  dns: Dns,
  domain: string,
  records: readonly string[] | undefined,
  requirement: SpfRequirement | undefined,
  unauthorised: readonly SpfUnauthorised[],
  problems: SpfProblem[],
) {
  const includes = unauthorised.filter((u) => u.kind === "include");
  let suggestion = suggestRecord(records, requirement, includes);
  if (requirement && unauthorised.some((u) => u.kind !== "include")) {
    const ranges = unmet(requirement, await walkRecord(dns, domain, suggestion)).filter((u) => u.kind !== "include");
    suggestion = suggestRecord(records, requirement, [...includes, ...ranges]);
  }
  const w = await walkRecord(dns, domain, suggestion);
  if (w.lookups > LOOKUP_LIMIT) {
    problems.push({
      code: "suggestion-over-limit",
      severity: "warning",
      path: domain,
      message:
        `the suggested record needs ${w.lookups} DNS lookups, over the limit of ${LOOKUP_LIMIT}: ` +
        "replace includes by their ip4/ip6 ranges or drop unused senders",
    });
  }
  return { suggestion, suggestionLookupCount: w.lookups };
}

function statusOf(problems: readonly SpfProblem[], unauthorised: readonly SpfUnauthorised[]): SpfStatus {
  if (problems.some((p) => p.severity === "error" && p.code !== "dns-error")) return "problem";
  if (problems.some((p) => p.code === "dns-error")) return "error";
  return unauthorised.length ? "problem" : "ok";
}

function missingAll(req: SpfRequirement): SpfUnauthorised[] {
  return [
    ...req.include.map((value) => ({ kind: "include" as const, value, reason: "no SPF record" })),
    ...req.ip4.map((value) => ({ kind: "ip4" as const, value, reason: "no SPF record" })),
    ...req.ip6.map((value) => ({ kind: "ip6" as const, value, reason: "no SPF record" })),
  ];
}

/** What the requirement asks that the walked tree does not give. */
function unmet(req: SpfRequirement, w: Walk): SpfUnauthorised[] {
  const out: SpfUnauthorised[] = [];
  for (const value of req.include) {
    const pass = w.reached.get(canonicalName(value));
    if (pass === undefined) out.push({ kind: "include", value, reason: "not included, directly or through nested includes" });
    else if (!pass) out.push({ kind: "include", value, reason: "included, but under a qualifier other than '+': its senders do not pass" });
  }
  for (const kind of ["ip4", "ip6"] as const) {
    for (const value of req[kind]) {
      const range = parseRange(value);
      if (!range || range.family !== (kind === "ip4" ? 4 : 6))
        out.push({ kind, value, reason: `not an ${kind === "ip4" ? "IPv4" : "IPv6"} address or network` });
      else if (!covered(range, w.passRanges)) out.push({ kind, value, reason: "no pass mechanism in the record or its includes covers it" });
    }
  }
  return out;
}

/** The record a parked domain (one that sends no mail) publishes. */
export const PARKED_SPF = "v=spf1 -all";

/** Whether `text` means exactly `v=spf1 -all`: only `-all`, whatever the case and spacing (`exp=` and unknown modifiers change nothing). */
export function isParkedSpf(text: string): boolean {
  const { terms, problems } = parseSpf(text);
  const meaningful = terms.filter((t) => t.kind !== "exp" && t.kind !== "unknown");
  return problems.length === 0 && meaningful.length === 1 && meaningful[0].kind === "all" && meaningful[0].qualifier === "-";
}

/** Checks that a parked domain's SPF record is `v=spf1 -all` (semantically); suggests it otherwise. */
export async function checkParkedSpf(domain: string, resolver: SpfResolver): Promise<SpfCheck> {
  const name = canonicalName(domain);
  const found = await new Dns(resolver).spf(name);
  const base = { domain: name, lookupCount: 0, voidCount: 0, unauthorised: [] };
  const problem = (code: SpfProblemCode, message: string): SpfProblem => ({ code, severity: "error", path: name, message });
  if (found.kind === "error")
    return { ...base, status: "error", records: [], problems: [problem("dns-error", `looking up TXT ${name} failed: ${found.reason}`)] };
  const suggestion = { suggestion: PARKED_SPF, suggestionLookupCount: 0 };
  if (found.kind === "none")
    return {
      ...base,
      status: "missing",
      records: [],
      problems: [problem("target-missing", `no SPF record: a parked domain publishes '${PARKED_SPF}'`)],
      ...suggestion,
    };
  const problems: SpfProblem[] = [];
  if (found.all.length > 1)
    problems.push(problem("multiple-records", `${name} has ${found.all.length} v=spf1 records: receivers return permerror (RFC 7208 3.2)`));
  else if (!isParkedSpf(found.text)) problems.push(problem("not-parked", `a parked domain sends no mail: its record is '${PARKED_SPF}', not '${found.text}'`));
  return { ...base, status: problems.length ? "problem" : "ok", record: found.text, records: found.all, problems, ...(problems.length ? suggestion : {}) };
}
