/**
 * Which DMARC record governs a sender domain, asked through an injected
 * lookup (a resolver or one authoritative server, as verify does).
 *
 * Default, `rfc7489` (6.6.3), what receivers run today (mailauth, OpenDMARC,
 * the large mailbox providers): the domain's own `_dmarc` record, else the
 * organizational domain's (Public Suffix List, ./org-domain.ts), whose `sp=`
 * (or `np=` for a domain that does not exist) then applies. A name with
 * several DMARC records ends the search with no policy (step 5).
 *
 * `dmarcbis` (RFC 9989 4.10, the DNS tree walk): the own record, else each
 * parent in turn (from at most 7 labels) up to the top-level domain; the
 * first name with exactly one DMARC record governs, a name with several
 * counts as none and the walk goes on. It differs from rfc7489 when a record
 * sits between the domain and its organizational domain, or above it (a
 * public suffix operator's psd=y record).
 *
 * A lookup error (SERVFAIL, timeout, refusal) is never taken as "no record":
 * discovery stops there with status `error`.
 */
import type { LookupResult, LookupType } from "../dns/lookup";
import { canonicalName, dmarcName } from "../dns/names";
import { organizationalDomain } from "./org-domain";
import { isDmarcRecord, looksLikeDmarc, type ParsedDmarc, parseDmarc } from "./parse";
import type { DmarcDisposition } from "./policy";

/** The lookup discovery uses: src/dns/lookup.ts's authoritativeLookup or ResolverLookup#lookup, bound to its server. */
export type DmarcLookup = (name: string, type: LookupType) => Promise<LookupResult>;

export type DiscoveryMethod = "rfc7489" | "dmarcbis";

export interface DiscoverOptions {
  /** @default "rfc7489" */
  readonly method?: DiscoveryMethod;
}

/** One name asked, in order, and what it held. */
export interface DmarcQuery {
  readonly name: string;
  readonly outcome: "record" | "no record" | "several records" | "error";
  readonly detail?: string;
}

export interface DmarcDiscovery {
  /** The sender domain asked about (lower case, no trailing dot). */
  readonly domain: string;
  readonly organizationalDomain: string;
  /**
   * `found`: a record governs and its policy applies. `none`: no policy applies (no record, several records at
   * the deciding name, or a record receivers ignore: `record` and `parsed` then say which). `error`: a lookup
   * failed, so nothing can be concluded.
   */
  readonly status: "found" | "none" | "error";
  /** `_dmarc.<governingDomain>`, when a name with DMARC records decided. */
  readonly governingName?: string;
  readonly governingDomain?: string;
  /** The governing record's text (TXT strings joined). */
  readonly record?: string;
  /** The governing record parsed: `parsed.policy` is the policy that applies. */
  readonly parsed?: ParsedDmarc;
  /** What receivers do with this domain's failing mail: p= for its own record, else sp= (np= if it does not exist), defaulting to p=. */
  readonly disposition?: DmarcDisposition;
  /** The tag `disposition` came from. */
  readonly dispositionTag?: "p" | "sp" | "np";
  /** The governing record is another domain's (the organizational domain's, or a parent's in a tree walk). */
  readonly inherited: boolean;
  readonly queried: readonly DmarcQuery[];
  /** Why no policy applies, or what is wrong with the governing record. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

type Asked = { kind: "records"; records: string[] } | { kind: "error"; reason: string };

/** The DMARC records at `_dmarc.<domain>` (other TXT records discarded, RFC 7489 6.6.3 steps 2 and 4). */
async function ask(lookup: DmarcLookup, name: string, warnings: string[]): Promise<Asked> {
  const r = await lookup(name, "TXT");
  if (r.kind === "error") return { kind: "error", reason: r.reason };
  if (r.kind !== "answer") return { kind: "records", records: [] };
  const texts = r.values.map((strings) => strings.join(""));
  for (const t of texts) {
    if (looksLikeDmarc(t)) warnings.push(`${name}: "${t}" is ignored by receivers: it must start with exactly "v=DMARC1"`);
  }
  return { kind: "records", records: texts.filter(isDmarcRecord) };
}

/** The names a tree walk asks after the domain's own (RFC 9989 4.10: from at most 7 labels, one label less each time). */
function parents(domain: string): string[] {
  const labels = domain.split(".");
  const out: string[] = [];
  for (let n = Math.min(labels.length - 1, 7); n >= 1; n--) out.push(labels.slice(labels.length - n).join("."));
  return out;
}

/** Finds the DMARC record that governs mail from `domain`, and the policy it gives that domain. */
export async function discoverDmarc(domain: string, lookup: DmarcLookup, opts: DiscoverOptions = {}): Promise<DmarcDiscovery> {
  const name = canonicalName(domain);
  const org = organizationalDomain(name);
  const method = opts.method ?? "rfc7489";
  const queried: DmarcQuery[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const base: Base = { domain: name, organizationalDomain: org, queried, problems, warnings };

  const candidates = method === "rfc7489" ? [name, ...(org !== name ? [org] : [])] : [name, ...parents(name)];
  for (const at of candidates) {
    const q = dmarcName(at);
    const asked = await ask(lookup, q, warnings);
    if (asked.kind === "error") {
      queried.push({ name: q, outcome: "error", detail: asked.reason });
      problems.push(`${q}: ${asked.reason}: the DMARC policy cannot be determined`);
      return { ...base, status: "error", inherited: at !== name };
    }
    const { records } = asked;
    if (records.length === 0) {
      queried.push({ name: q, outcome: "no record" });
      continue;
    }
    if (records.length > 1) {
      queried.push({ name: q, outcome: "several records", detail: `${records.length} DMARC records` });
      const several = `${q} has ${records.length} DMARC records`;
      if (method === "dmarcbis") {
        problems.push(`${several}: DMARCbis receivers discard them all and look further up; publish exactly one`);
        continue;
      }
      problems.push(`${several}: receivers apply no DMARC policy at all (RFC 7489 6.6.3); publish exactly one`);
      return { ...base, status: "none", governingName: q, governingDomain: at, inherited: at !== name };
    }
    queried.push({ name: q, outcome: "record" });
    return governed(base, at, records[0], lookup);
  }
  problems.push(`no DMARC record at ${candidates.map(dmarcName).join(" nor ")}`);
  return { ...base, status: "none", inherited: false };
}

interface Base {
  readonly domain: string;
  readonly organizationalDomain: string;
  readonly queried: DmarcQuery[];
  readonly problems: string[];
  readonly warnings: string[];
}

/** The discovery once one record at `_dmarc.<at>` decides. */
async function governed(base: Base, at: string, record: string, lookup: DmarcLookup): Promise<DmarcDiscovery> {
  const { problems, warnings, queried } = base;
  const q = dmarcName(at);
  const parsed = parseDmarc(record);
  problems.push(...parsed.problems.map((p) => `${q}: ${p}`));
  warnings.push(...parsed.warnings.map((w) => `${q}: ${w}`));
  const inherited = at !== base.domain;
  const found = { ...base, governingName: q, governingDomain: at, record, parsed, inherited };
  const policy = parsed.policy;
  if (!policy) return { ...found, status: "none" };
  if (!inherited) return { ...found, status: "found", disposition: policy.policy, dispositionTag: "p" };
  // np= applies to a domain that does not exist (RFC 9091, DMARCbis): asked only when it would change the answer.
  const sp = policy.subdomainPolicy;
  const np = policy.nonexistentPolicy;
  if (np !== undefined && np !== (sp ?? policy.policy)) {
    const r = await lookup(base.domain, "TXT");
    queried.push({ name: base.domain, outcome: r.kind === "error" ? "error" : r.kind === "answer" ? "record" : "no record", detail: r.kind });
    if (r.kind === "error") {
      problems.push(`${base.domain}: ${r.reason}: cannot tell whether the domain exists, so whether np= or sp= applies`);
      return { ...found, status: "error" };
    }
    if (r.kind === "nxdomain") {
      warnings.push(`${base.domain} does not exist (NXDOMAIN): np= applies to it`);
      return { ...found, status: "found", disposition: np, dispositionTag: "np" };
    }
  }
  return sp !== undefined
    ? { ...found, status: "found", disposition: sp, dispositionTag: "sp" }
    : { ...found, status: "found", disposition: policy.policy, dispositionTag: "p" };
}
