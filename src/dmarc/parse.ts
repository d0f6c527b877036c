/**
 * Reading a published DMARC record (RFC 7489 6.3/6.4, DMARCbis RFC 9989):
 * the policy a receiver applies, and every problem and warning, the way a
 * receiver treats them (6.3: a bad tag value falls back to its default;
 * 6.6.3 step 6: no valid p= means p=none when rua= is valid, else the record
 * is ignored).
 */
import { checkHostName } from "../dns/host-name";
import { DMARC_TAGS, parseTagList, type TagList } from "../tag-list";
import { DMARC_POLICIES, type DmarcAlignment, type DmarcDisposition, type DmarcPolicy } from "./policy";

/** What a DMARC record says, as a receiver reads it. */
export interface ParsedDmarc {
  /** The policy receivers apply; absent when they ignore the record (not DMARC, or no valid p= and no valid rua=). */
  readonly policy?: DmarcPolicy;
  /** p= was absent or invalid (or sp= invalid) and rua= valid: receivers act as if p=none (RFC 7489 6.6.3 step 6). */
  readonly impliedNone: boolean;
  /** psd= (DMARCbis): y = a public suffix domain's record, n = an organizational domain's, u = unknown. */
  readonly psd?: "y" | "n" | "u";
  /** ri= (RFC 7489; removed by DMARCbis): seconds between aggregate reports. */
  readonly reportInterval?: number;
  /** rf= (RFC 7489; removed by DMARCbis): failure report formats. */
  readonly reportFormat?: string;
  /** What is wrong: each a tag and what receivers do about it. */
  readonly problems: string[];
  /** Allowed but worth saying: deprecated or unknown tags, testing mode, reduced pct. */
  readonly warnings: string[];
}

/** A reporting URI (rua/ruf) taken apart. */
export type DmarcUri =
  | { readonly ok: true; readonly uri: string; readonly scheme: string; readonly address?: string; readonly domain?: string; readonly maxSize?: string }
  | { readonly ok: false; readonly uri: string; readonly reason: string };

const WSP = /^[ \t]+|[ \t]+$/g;
const trimWsp = (s: string) => s.replace(WSP, "");

/** True when the text starts with the v=DMARC1 tag (RFC 7489 6.6.3 step 2: other TXT records at _dmarc are discarded). */
export function isDmarcRecord(text: string): boolean {
  return startsWithVersion(parseTagList(text, DMARC_TAGS));
}

/** The list's first item is v=DMARC1: the name in any case, the value exactly. */
const startsWithVersion = (list: TagList): boolean => list.tags[0]?.index === 0 && list.tags[0].name === "v" && list.tags[0].value === "DMARC1";

/**
 * Text that says v=DMARC1 in some form (any case, not first, or with line
 * breaks around it) but is no DMARC record: worth a warning, receivers
 * ignore it.
 */
export function looksLikeDmarc(text: string): boolean {
  return !isDmarcRecord(text) && /^dmarc/i.test(parseTagList(text, { whitespace: "fws", ignoreCase: true }).get("v") ?? "");
}

/**
 * One rua/ruf URI (RFC 7489 6.4 dmarc-uri: a URI with an optional `!size`
 * suffix, size in bytes or with k/m/g/t). Only `mailto:` is checked in depth
 * (DMARCbis allows nothing else); its address is percent-decoded.
 */
export function parseDmarcUri(text: string): DmarcUri {
  const uri = trimWsp(text);
  const sized = /^(.*?)(?:!(\d+[kmgt]?))?$/i.exec(uri)!;
  const [, bare, maxSize] = sized;
  const colon = bare.indexOf(":");
  if (colon <= 0 || !/^[a-z][a-z0-9+.-]*$/i.test(bare.slice(0, colon))) {
    return { ok: false, uri, reason: `"${uri}" is not a URI (expected mailto:address, optionally with !size, e.g. !10m)` };
  }
  if (uri.includes("!") && !maxSize) return { ok: false, uri, reason: `"${uri}": the size after "!" must be digits with an optional k, m, g or t` };
  const scheme = bare.slice(0, colon).toLowerCase();
  if (scheme !== "mailto") return { ok: true, uri, scheme, ...(maxSize ? { maxSize } : {}) };
  let address: string;
  try {
    address = decodeURIComponent(bare.slice(colon + 1).split("?", 1)[0]);
  } catch {
    return { ok: false, uri, reason: `"${uri}": bad percent-encoding in the address` };
  }
  const at = address.lastIndexOf("@");
  if (at <= 0 || /[\s<>,;"]/.test(address) || address.indexOf("@") !== at) {
    return { ok: false, uri, reason: `"${uri}": "${address}" is not an e-mail address (local@domain; a comma must be written %2C)` };
  }
  const domain = address
    .slice(at + 1)
    .replace(/\.$/, "")
    .toLowerCase();
  const host = checkHostName(domain, "receiver");
  if (!host.ok) return { ok: false, uri, reason: `"${uri}": "${domain}" ${host.reason}` };
  return { ok: true, uri, scheme, address, domain, ...(maxSize ? { maxSize } : {}) };
}

const FO_OPTIONS = ["0", "1", "d", "s"];

const oneOf = <T extends string>(allowed: readonly T[], value: string): T | undefined => {
  const v = value.toLowerCase();
  return (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
};

/**
 * Parses a DMARC record's text (its TXT strings joined). Tag names and
 * keyword values are case-insensitive; `v=DMARC1` must be first and exact.
 * Unknown tags are ignored with a warning; a tag given twice is a problem and
 * its first value counts.
 */
export function parseDmarc(text: string): ParsedDmarc {
  const problems: string[] = [];
  const warnings: string[] = [];
  const none = (reason: string): ParsedDmarc => ({ impliedNone: false, problems: [reason, ...problems], warnings });
  const list = parseTagList(text, DMARC_TAGS);
  if (!startsWithVersion(list)) return none(`not a DMARC record: it must start with "v=DMARC1" (exactly, as the first tag); receivers ignore it`);

  for (const p of list.problems) {
    if (p.kind !== "duplicate") problems.push(`"${p.text}" is not a tag (name=value); ignored`);
    else if (p.name === "v") problems.push("v= appears again after the first tag; ignored");
    else problems.push(`${p.name}= appears twice; the first value (${p.first}) is used`);
  }
  const tags = new Map(list.tags.map((t) => [t.name, t.value]));

  const disposition = (tag: string): DmarcDisposition | undefined => {
    const value = tags.get(tag);
    if (value === undefined) return undefined;
    const d = oneOf(DMARC_POLICIES, value);
    if (!d) problems.push(`${tag}=${value} is not a policy (none, quarantine or reject)`);
    return d;
  };
  const alignment = (tag: string): DmarcAlignment | undefined => {
    const value = tags.get(tag);
    if (value === undefined) return undefined;
    const v = value.toLowerCase();
    if (v === "r" || v === "s") return v === "r" ? "relaxed" : "strict";
    problems.push(`${tag}=${value} is not an alignment mode (r or s); relaxed applies`);
    return undefined;
  };
  const uris = (tag: string): string[] | undefined => {
    const value = tags.get(tag);
    if (value === undefined) return undefined;
    const valid: string[] = [];
    for (const piece of value.split(",")) {
      const u = parseDmarcUri(piece);
      if (!u.ok) problems.push(`${tag}: ${u.reason}; ignored`);
      else {
        if (u.scheme !== "mailto") warnings.push(`${tag}: "${u.uri}" is not a mailto: URI; receivers send reports by e-mail only (DMARCbis)`);
        valid.push(u.uri);
      }
    }
    if (!valid.length) problems.push(`${tag}= has no valid URI: no ${tag === "rua" ? "aggregate" : "failure"} reports are sent`);
    return valid;
  };
  const integer = (tag: string, max: number): number | undefined => {
    const value = tags.get(tag);
    if (value === undefined) return undefined;
    if (/^\d{1,10}$/.test(value) && Number(value) <= max) return Number(value);
    problems.push(`${tag}=${value} is not a whole number from 0 to ${max}; ignored`);
    return undefined;
  };

  const pRaw = tags.get("p");
  const p = disposition("p");
  if (pRaw === undefined) problems.push("p= is missing: it is required");
  const spRaw = tags.get("sp");
  const sp = disposition("sp");
  const np = disposition("np");
  const adkim = alignment("adkim");
  const aspf = alignment("aspf");
  const rua = uris("rua");
  const ruf = uris("ruf");

  const pct = integer("pct", 100);
  if (tags.has("pct")) {
    warnings.push("pct= is deprecated (removed by DMARCbis, whose receivers ignore it)");
    if (pct !== undefined && pct < 100) warnings.push(`pct=${pct}: receivers following RFC 7489 apply the policy to only ${pct}% of failing mail`);
  }
  const reportInterval = integer("ri", 0xffffffff);
  for (const tag of ["ri", "rf"]) if (tags.has(tag)) warnings.push(`${tag}= is removed by DMARCbis; receivers may ignore it`);
  const rf = tags.get("rf");
  if (rf !== undefined && !rf.split(":").every((f) => /^[a-z0-9-]+$/i.test(trimWsp(f))))
    problems.push(`rf=${rf} is not a colon-separated list of report formats`);

  const fo = tags.get("fo");
  let failureOptions: string | undefined;
  if (fo !== undefined) {
    const options = fo.split(":").map((o) => trimWsp(o).toLowerCase());
    if (options.every((o) => FO_OPTIONS.includes(o))) failureOptions = options.join(":");
    else problems.push(`fo=${fo} is not a colon-separated list of 0, 1, d and s; fo=0 applies`);
  }
  const t = tags.get("t");
  let testing: boolean | undefined;
  if (t !== undefined) {
    if (/^[yn]$/i.test(t)) testing = t.toLowerCase() === "y";
    else problems.push(`t=${t} is not y or n; ignored`);
    if (testing) warnings.push("t=y: testing mode; DMARCbis receivers apply a policy one step weaker (quarantine as none, reject as quarantine)");
  }
  const psdRaw = tags.get("psd");
  const psd = psdRaw === undefined ? undefined : oneOf(["y", "n", "u"] as const, psdRaw);
  if (psdRaw !== undefined && !psd) problems.push(`psd=${psdRaw} is not y, n or u; ignored`);

  const known = new Set(["v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "pct", "fo", "ri", "rf", "t", "psd"]);
  for (const tag of tags.keys()) if (!known.has(tag)) warnings.push(`unknown tag ${tag}= is ignored`);

  const extras = {
    ...(psd ? { psd } : {}),
    ...(reportInterval !== undefined ? { reportInterval } : {}),
    ...(rf !== undefined ? { reportFormat: rf } : {}),
  };
  const rest: Omit<DmarcPolicy, "policy"> = {
    ...(sp ? { subdomainPolicy: sp } : {}),
    ...(np ? { nonexistentPolicy: np } : {}),
    ...(adkim ? { adkim } : {}),
    ...(aspf ? { aspf } : {}),
    ...(rua?.length ? { rua } : {}),
    ...(ruf?.length ? { ruf } : {}),
    ...(failureOptions ? { failureOptions } : {}),
    ...(testing !== undefined ? { testing } : {}),
    ...(pct !== undefined ? { pct } : {}),
  };
  if (p && (spRaw === undefined || sp)) return { policy: { policy: p, ...rest }, impliedNone: false, ...extras, problems, warnings };
  // RFC 7489 6.6.3 step 6 (kept by DMARCbis): no valid p= (or an invalid sp=) means p=none when rua= has a valid URI.
  const why = p ? "sp= is invalid" : "p= is missing or invalid";
  if (rua?.length) {
    warnings.push(`${why}, so receivers act as if the record said p=none (it has a valid rua=)`);
    // As if the record were "v=DMARC1; p=none" plus its reporting tags: sp= and np= do not survive.
    const { subdomainPolicy, nonexistentPolicy, ...reporting } = rest;
    return { policy: { ...reporting, policy: "none" }, impliedNone: true, ...extras, problems, warnings };
  }
  problems.push(`${why} and rua= has no valid URI: receivers ignore this record (no DMARC policy)`);
  return { impliedNone: false, ...extras, problems, warnings };
}
