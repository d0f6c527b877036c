/**
 * What DNS says about one name, as verify needs it: `interpretAnswer` reads
 * an answer (only records owned by the name, or by the end of its CNAME
 * chain, count), `authoritativeLookup` asks one authoritative server.
 * Lookups through a resolver are in resolver.ts.
 */
import { followChain } from "./chain";
import { type Message, type ResourceRecord, rcodeName } from "./message";
import { canonicalName } from "./names";
import type { Server } from "./server";
import { type ExchangeOptions, query, type QueryResult } from "./transport";

/** What DNS says about one name and type. */
export type LookupResult =
  /**
   * TXT: one entry per record, each its character-strings. CNAME: one entry per record, `[target]`.
   * A/AAAA: `[address]` per record. MX: `[exchange]` per record, lowest preference first (a null MX, RFC 7505, is `[""]`).
   */
  | { readonly kind: "answer"; readonly values: string[][] }
  | { readonly kind: "nxdomain" }
  /** The name exists but has no record of the type; `cname` when it is an alias instead. */
  | { readonly kind: "nodata"; readonly cname?: string }
  /** No usable answer (SERVFAIL, REFUSED, timeout, ...). */
  | { readonly kind: "error"; readonly reason: string };

export type LookupType = "TXT" | "CNAME" | "A" | "AAAA" | "MX";

/**
 * Asks one authoritative server (RD=0) for `name`/`type`. A referral or an
 * answer without AA is an error: that server does not serve the zone.
 */
export async function authoritativeLookup(server: Server, name: string, type: LookupType, opts: ExchangeOptions = {}): Promise<LookupResult> {
  let m: QueryResult;
  try {
    m = await query(server, name, type, { ...opts, recursionDesired: false });
  } catch (e) {
    return { kind: "error", reason: (e as Error).message };
  }
  return interpretAuthoritative(m, name, type);
}

/** The LookupResult of an authoritative answer. */
export function interpretAuthoritative(m: Message, name: string, type: LookupType): LookupResult {
  if (m.rcode !== 0 && m.rcode !== 3) return { kind: "error", reason: `${rcodeName(m.rcode)} from the server` };
  if (!m.authoritative) {
    const ns = m.authority.flatMap((r) => (r.type === "NS" ? [r.data] : []));
    if (ns.length) return { kind: "error", reason: `not authoritative: referral to ${listNames(ns)} (lame delegation?)` };
    return { kind: "error", reason: "not authoritative for the name (AA not set)" };
  }
  return interpretAnswer(m, name, type);
}

/** At most this many names in a message about an answer. */
const SHOWN_NAMES = 3;

const listNames = (names: readonly string[]): string =>
  names.length > SHOWN_NAMES ? `${names.slice(0, SHOWN_NAMES).join(", ")} and ${names.length - SHOWN_NAMES} more` : names.join(", ");

/**
 * What an answer (NOERROR or NXDOMAIN) says about `name`: the records owned
 * by `name`, or (for every type but CNAME) by the end of the CNAME chain that starts at `name`.
 * Records of any other owner are ignored; an answer holding only such
 * records is an error, never the name's records.
 */
export function interpretAnswer(m: Message, name: string, type: LookupType): LookupResult {
  if (m.truncated) return { kind: "error", reason: "the answer is truncated (TC set) and was not retried over TCP: it may be incomplete" };
  const wanted = canonicalName(name);
  const at = (owner: string) => m.answers.filter((r) => canonicalName(r.name) === owner);
  /** Nothing at the name: an error when the answer holds records of the type, TXT or CNAME records of other names instead. */
  const nothing = (): LookupResult => {
    const others = [...new Set(m.answers.filter((r) => r.type === type || r.type === "TXT" || r.type === "CNAME").map((r) => canonicalName(r.name)))];
    if (others.length) return { kind: "error", reason: `the answer has no record for ${wanted}, only for ${listNames(others)}: not accepted as ${wanted}'s` };
    return m.rcode === 3 ? { kind: "nxdomain" } : { kind: "nodata" };
  };
  if (type === "CNAME") {
    const targets = at(wanted).flatMap((r) => (r.type === "CNAME" ? [[canonicalName(r.data)]] : []));
    return targets.length ? { kind: "answer", values: targets } : nothing();
  }
  // Follow the CNAME chain that starts at the name (a resolver gives it whole; a server may add in-zone targets).
  const chain = followChain(m, wanted, (owner) => valuesOf(at(owner), type).length > 0);
  const values = chain.loop ? [] : valuesOf(at(chain.end), type);
  if (values.length) return { kind: "answer", values };
  const alias = chain.targets[0];
  return alias ? { kind: "nodata", cname: alias } : nothing();
}

/** The values of the records of `type` among `rrs`, as LookupResult gives them. */
function valuesOf(rrs: readonly ResourceRecord[], type: Exclude<LookupType, "CNAME">): string[][] {
  switch (type) {
    case "TXT":
      return rrs.flatMap((r) => (r.type === "TXT" ? [r.data] : []));
    case "A":
    case "AAAA":
      return rrs.flatMap((r) => (r.type === type ? [[r.data]] : []));
    case "MX":
      return rrs
        .flatMap((r) => (r.type === "MX" ? [r.data] : []))
        .sort((a, b) => a.preference - b.preference)
        .map((mx) => [canonicalName(mx.exchange)]);
  }
}
