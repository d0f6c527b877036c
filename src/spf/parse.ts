/**
 * Parsing an SPF record (RFC 7208 4.5, 4.6, 5, 6 and the ABNF of section 12)
 * into its terms, with every syntax problem and where it is. A record with
 * any problem is a permerror for receivers (4.6); the terms that did parse are
 * still returned so a check can say more and a suggestion can keep them.
 *
 * Names (`v=spf1`, mechanisms, modifiers) are case-insensitive; terms are
 * separated by spaces only.
 */
import * as net from "node:net";
import { checkHostName, hostNameReason, isTopLabel } from "../dns/host-name";
import { type MacroPart, scanMacroString } from "./macro";

export type SpfQualifier = "+" | "-" | "~" | "?";

/** A domain-spec: its text as written and its macro-string parts. */
export interface DomainSpec {
  readonly text: string;
  readonly parts: readonly MacroPart[];
}

interface TermBase {
  /** The term as written. */
  readonly text: string;
  /** 1-based column of the term in the record. */
  readonly column: number;
}

export type SpfMechanism = TermBase & { readonly qualifier: SpfQualifier } & (
    | { readonly kind: "all" }
    | { readonly kind: "include" | "exists"; readonly domain: DomainSpec }
    | { readonly kind: "a" | "mx"; readonly domain?: DomainSpec; readonly ip4Prefix: number; readonly ip6Prefix: number }
    | { readonly kind: "ptr"; readonly domain?: DomainSpec }
    /** `network` as written, `prefix` 32/128 when none is given. */
    | { readonly kind: "ip4" | "ip6"; readonly network: string; readonly prefix: number }
  );

export type SpfModifier = TermBase &
  ({ readonly kind: "redirect" | "exp"; readonly domain: DomainSpec } | { readonly kind: "unknown"; readonly name: string; readonly value: string });

export type SpfTerm = SpfMechanism | SpfModifier;

export interface SpfSyntaxProblem {
  /** 1-based column in the record. */
  readonly column: number;
  /** The term (or the piece of the record) the problem is in. */
  readonly term: string;
  readonly reason: string;
}

export interface SpfParse {
  readonly terms: SpfTerm[];
  readonly problems: SpfSyntaxProblem[];
}

const MECHANISMS = ["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"] as const;

/** RFC 7208 4.5: a record starts with exactly `v=spf1`, followed by a space or the end. */
export const isSpfRecord = (text: string): boolean => /^v=spf1( |$)/i.test(text);

export const isMechanism = (t: SpfTerm): t is SpfMechanism => "qualifier" in t;

/** Parses an SPF record's text (the TXT record's strings already joined). */
export function parseSpf(text: string): SpfParse {
  const problems: SpfSyntaxProblem[] = [];
  const terms: SpfTerm[] = [];
  if (!isSpfRecord(text)) {
    problems.push({ column: 1, term: text.split(" ")[0], reason: "an SPF record starts with 'v=spf1' followed by a space or the end" });
    return { terms, problems };
  }
  for (const m of text.slice(6).matchAll(/[^ ]+/g)) {
    const column = 6 + (m.index ?? 0) + 1;
    const problem = (reason: string, offset = 0) => problems.push({ column: column + offset, term: m[0], reason });
    const bad = /[^\x21-\x7e]/.exec(m[0]);
    if (bad) {
      problem(`character ${describeChar(bad[0])} is not allowed: terms are printable ASCII separated by spaces`, bad.index);
      continue;
    }
    const term = parseTerm(m[0], column, problem);
    if (term) terms.push(term);
  }
  for (const kind of ["redirect", "exp"] as const) {
    const repeated = terms.filter((t) => t.kind === kind).slice(1);
    for (const t of repeated) problems.push({ column: t.column, term: t.text, reason: `'${kind}' appears more than once (RFC 7208 6)` });
  }
  return { terms, problems: problems.sort((a, b) => a.column - b.column) };
}

const describeChar = (c: string): string =>
  c === "\t" ? "TAB" : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}${c > " " && c !== "\x7f" ? ` '${c}'` : ""}`;

type Report = (reason: string, offset?: number) => void;

function parseTerm(text: string, column: number, problem: Report): SpfTerm | undefined {
  const m = /^([+\-~?]?)([A-Za-z][A-Za-z0-9\-_.]*)(.*)$/.exec(text);
  if (!m) {
    problem(`'${text}' is neither a mechanism nor a modifier (a name starting with a letter)`);
    return undefined;
  }
  const [, qualifier, rawName, rest] = m;
  const name = rawName.toLowerCase();
  const restOffset = qualifier.length + rawName.length;
  if (rest.startsWith("=")) {
    if (qualifier) problem(`modifier '${rawName}' takes no qualifier ('${qualifier}')`);
    const value = rest.slice(1);
    if (name === "redirect" || name === "exp") {
      const domain = domainSpec(value, restOffset + 1, problem, `${name}=`);
      return domain ? { kind: name, domain, text, column } : undefined;
    }
    const scan = scanMacroString(value);
    for (const p of scan.problems) problem(p.reason, restOffset + 1 + p.offset);
    return { kind: "unknown", name: rawName, value, text, column };
  }
  const kind = MECHANISMS.find((k) => k === name);
  if (!kind) {
    problem(`unknown mechanism '${rawName}'`);
    return undefined;
  }
  const q = (qualifier || "+") as SpfQualifier;
  const base = { text, column, qualifier: q };
  switch (kind) {
    case "all":
      if (rest) problem("'all' takes no argument", restOffset);
      return rest ? undefined : { ...base, kind };
    case "include":
    case "exists": {
      if (!rest.startsWith(":")) {
        problem(`'${kind}' needs a domain: ${kind}:<domain>`, restOffset);
        return undefined;
      }
      const domain = domainSpec(rest.slice(1), restOffset + 1, problem, `${kind}:`);
      return domain ? { ...base, kind, domain } : undefined;
    }
    case "ptr": {
      if (rest && !rest.startsWith(":")) {
        problem("'ptr' is followed by nothing or by :<domain>", restOffset);
        return undefined;
      }
      if (!rest) return { ...base, kind };
      const domain = domainSpec(rest.slice(1), restOffset + 1, problem, "ptr:");
      return domain ? { ...base, kind, domain } : undefined;
    }
    case "a":
    case "mx":
      return aOrMx(kind, rest, restOffset, base, problem);
    case "ip4":
    case "ip6":
      return ipNetwork(kind, rest, restOffset, base, problem);
  }
}

function aOrMx(
  kind: "a" | "mx",
  rest: string,
  offset: number,
  base: { text: string; column: number; qualifier: SpfQualifier },
  problem: Report,
): SpfMechanism | undefined {
  if (rest && !rest.startsWith(":") && !rest.startsWith("/")) {
    problem(`'${kind}' is followed by nothing, :<domain> or a CIDR length (/24, //64)`, offset);
    return undefined;
  }
  // dual-cidr-length = [ "/" ip4-len ] [ "//" ip6-len ], at the end.
  const cidr = /(?:\/(\d*))?(?:\/\/(\d*))?$/.exec(rest)!;
  const head = rest.slice(0, cidr.index);
  if (head.includes("/")) {
    problem(`bad CIDR length in '${rest}': write /N for IPv4, //N for IPv6, or /N//M for both`, offset + head.indexOf("/"));
    return undefined;
  }
  let ok = true;
  const length = (digits: string | undefined, max: number, at: number): number => {
    if (digits === undefined) return max;
    if (!/^(0|[1-9]\d*)$/.test(digits) || Number(digits) > max) {
      problem(`CIDR length '/${digits}' must be a number 0..${max} without leading zeros${max === 128 ? " (IPv6 lengths are written //N)" : ""}`, at);
      ok = false;
    }
    return Number(digits);
  };
  const ip4Prefix = length(cidr[1], 32, offset + cidr.index);
  const ip6Prefix = length(cidr[2], 128, offset + rest.lastIndexOf("//"));
  let domain: DomainSpec | undefined;
  if (head) {
    domain = domainSpec(head.slice(1), offset + 1, problem, `${kind}:`);
    if (!domain) return undefined;
  }
  return ok ? { ...base, kind, ...(domain ? { domain } : {}), ip4Prefix, ip6Prefix } : undefined;
}

/** RFC 7208 qnum: 0..255 without leading zeros. */
const QNUM = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IP4 = new RegExp(`^${QNUM}(?:\\.${QNUM}){3}$`);

function ipNetwork(
  kind: "ip4" | "ip6",
  rest: string,
  offset: number,
  base: { text: string; column: number; qualifier: SpfQualifier },
  problem: Report,
): SpfMechanism | undefined {
  const example = kind === "ip4" ? "ip4:192.0.2.0/24" : "ip6:2001:db8::/32";
  if (!rest.startsWith(":") || rest.length === 1) {
    problem(`'${kind}' needs an address or network: ${example}`, offset);
    return undefined;
  }
  const slash = rest.indexOf("/");
  const network = slash < 0 ? rest.slice(1) : rest.slice(1, slash);
  const max = kind === "ip4" ? 32 : 128;
  const valid = kind === "ip4" ? IP4.test(network) : net.isIPv6(network) && !network.includes("%");
  if (!valid) {
    const other =
      kind === "ip4" ? net.isIPv6(network) && "an IPv6 address: use ip6:" : (net.isIPv4(network) || IP4.test(network)) && "an IPv4 address: use ip4:";
    problem(
      `'${network}' is not ${kind === "ip4" ? "an IPv4 address (four numbers 0..255, no leading zeros)" : "an IPv6 address"}${other ? `; it is ${other}` : ""}`,
      offset + 1,
    );
    return undefined;
  }
  let prefix = max;
  if (slash >= 0) {
    const digits = rest.slice(slash + 1);
    if (!/^(0|[1-9]\d*)$/.test(digits) || Number(digits) > max) {
      problem(`prefix length '/${digits}' must be a number 0..${max} without leading zeros`, offset + slash);
      return undefined;
    }
    prefix = Number(digits);
  }
  return { ...base, kind, network, prefix };
}

/** A domain-spec (macro-string domain-end), or undefined after reporting why not. */
function domainSpec(text: string, offset: number, problem: Report, what: string): DomainSpec | undefined {
  if (!text) {
    problem(`'${what}' needs a domain after it`, offset);
    return undefined;
  }
  const scan = scanMacroString(text);
  for (const p of scan.problems) problem(p.reason, offset + p.offset);
  if (scan.problems.length) return undefined;
  const last = scan.parts.at(-1)!;
  if (scan.parts.every((p) => p.kind === "literal")) {
    // A plain name: the SPF policy of the one host-name grammar.
    const name = checkHostName(text, "spf");
    if (!name.ok) {
      const endsWrong = name.problems[0].kind === "one-label" || name.problems[0].kind === "top-label";
      problem(`${endsWrong ? "" : "domain "}'${text}' ${name.reason}`, offset);
      return undefined;
    }
  } else if (last.kind === "literal") {
    // A macro, then literal text: that text must still hold the domain-end's dot and toplabel.
    const trimmed = last.text.replace(/\.$/, "");
    const top = trimmed.slice(trimmed.lastIndexOf(".") + 1);
    if (!trimmed.includes(".") || !isTopLabel(top)) {
      problem(`'${text}' ${hostNameReason({ kind: "top-label", label: top }, "spf")}`, offset);
      return undefined;
    }
  }
  return { text, parts: scan.parts };
}
