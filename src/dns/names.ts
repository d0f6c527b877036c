/**
 * The names of the records dkimctl publishes and reads, built in one place
 * from what the record is: `<selector>._domainkey.<domain>` (RFC 6376
 * 3.6.2.1), `_dmarc.<domain>` (RFC 7489 6.1) and the report authorization
 * `<policy domain>._report._dmarc.<destination>` (RFC 7489 7.1). A record
 * dkimctl publishes says what it is (RecordMeaning) and its name is built
 * from that, never parsed back; `readName` reads a name someone else wrote
 * (a Terraform plan, a zone listing). Names compare case-insensitively, with
 * or without the trailing dot (RFC 4343).
 */

/** Strips a trailing dot and lower-cases: the form names are compared in. */
export const canonicalName = (name: string): string => name.replace(/\.$/, "").toLowerCase();

export const sameName = (a: string, b: string): boolean => canonicalName(a) === canonicalName(b);

/** Whether `name` is `zone` or below it. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * The closest of `zones` (by name) that holds `name`: the one of the longest
 * name among those `name` is in. Walks up `name` one label at a time, so it
 * costs the labels of the name, not the number of zones.
 */
export function closestZone<Z>(name: string, zones: ReadonlyMap<string, Z>): Z | undefined {
  for (let at = name; ; ) {
    const zone = zones.get(at);
    if (zone !== undefined) return zone;
    const dot = at.indexOf(".");
    if (dot < 0) return undefined;
    at = at.slice(dot + 1);
  }
}

/** The zone's own name as a name relative to the zone, as zone files and several DNS providers write it (RFC 1035 5.1). */
export const APEX = "@";

/** `name` relative to `zone`, which holds it: `s1._domainkey` for `s1._domainkey.example.com` in `example.com`, `@` for the zone itself. */
export function relativeName(name: string, zone: string): string {
  if (!isInZone(name, zone)) throw new RangeError(`${name} is not in zone ${zone}`);
  return name === zone ? APEX : name.slice(0, -(zone.length + 1));
}

/** The name a name relative to `zone` stands for (`@` is the zone); one ending in a dot is already absolute (RFC 1035 5.1). */
export function absoluteName(relative: string, zone: string): string {
  if (relative === APEX) return zone;
  return relative.endsWith(".") ? relative : `${relative}.${zone}`;
}

/** The label under which a domain's DKIM keys are published (RFC 6376 3.6.2.1). */
export const DOMAINKEY = "_domainkey";
/** The label under which a domain's DMARC record is published (RFC 7489 6.1). */
export const DMARC = "_dmarc";
/** The selector of a parked domain's DKIM null record, `*._domainkey.<domain>` (RFC 6376 3.6.1: every selector has no key). */
export const NULL_SELECTOR = "*";

/**
 * What a published record is, from which its name is built:
 * - `dkim-key`: a DKIM key TXT (generated, rotated or provided), at `<selector>._domainkey.<domain>`;
 * - `dkim-delegation`: a CNAME at `<selector>._domainkey.<domain>` to the key's name elsewhere (a signing provider's);
 * - `dkim-null`: a parked domain's null record (`v=DKIM1; p=`) at `*._domainkey.<domain>`;
 * - `dmarc`: the domain's DMARC record at `_dmarc.<domain>`;
 * - `dkim-slot-key`: the key of a customer's slot (signing-provider mode), at the slot's target in our key zone
 *   (src/dkim/target.ts builds it from customer, slot and key zone), which `<selector>._domainkey.<domain>` is delegated to.
 *
 * `domain` is always the sender domain (d=) the record speaks for, never
 * read from the zone it is written into: in signing-provider mode (DESIGN.md,
 * issue #18) a customer's key TXT sits at a target in the provider's key
 * zone, a kind of its own here whose name is built from (customer, slot) and
 * whose domain is still the customer's.
 */
export type RecordMeaning =
  | { readonly kind: "dkim-key" | "dkim-delegation"; readonly domain: string; readonly selector: string }
  | { readonly kind: "dkim-null"; readonly domain: string; readonly selector: typeof NULL_SELECTOR }
  | { readonly kind: "dmarc"; readonly domain: string; readonly selector?: undefined }
  | { readonly kind: "dkim-slot-key"; readonly domain: string; readonly selector: string; readonly target: string };

export type RecordKind = RecordMeaning["kind"];

/** DKIM or DMARC: what `dkimctl records --format json` and `verify --format json` call a record's kind. */
export type RecordFamily = "dkim" | "dmarc";

export const familyOf = (kind: RecordKind): RecordFamily => (kind === "dmarc" ? "dmarc" : "dkim");

/** `<selector>._domainkey.<domain>` */
export function selectorName(selector: string, domain: string): string {
  return `${selector}.${DOMAINKEY}.${domain}`;
}

/** `_dmarc.<domain>` */
export function dmarcName(domain: string): string {
  return `${DMARC}.${domain}`;
}

/** `<policy domain>._report._dmarc.<destination>`: where `destination` agrees to receive reports for `policyDomain` (RFC 7489 7.1). */
export function reportAuthorizationName(policyDomain: string, destination: string): string {
  return `${policyDomain}._report.${dmarcName(destination)}`;
}

/** The name a record is published at. */
export function nameOf(record: RecordMeaning): string {
  switch (record.kind) {
    case "dmarc":
      return dmarcName(record.domain);
    case "dkim-key":
    case "dkim-delegation":
    case "dkim-null":
      return selectorName(record.selector, record.domain);
    case "dkim-slot-key":
      return record.target;
  }
}

/** What a `_domainkey` or `_dmarc` name says of its record. */
export type NameParts = { readonly family: "dkim"; readonly domain: string; readonly selector: string } | { readonly family: "dmarc"; readonly domain: string };

/** A published record's parts, as `readName` would read them from its name. */
export function partsOf(record: RecordMeaning): NameParts {
  return record.kind === "dmarc" ? { family: "dmarc", domain: record.domain } : { family: "dkim", domain: record.domain, selector: record.selector };
}

const DMARC_NAME = new RegExp(`^${DMARC}\\.(.+)$`);
const SELECTOR_NAME = new RegExp(`^(.+)\\.${DOMAINKEY}\\.(.+)$`);

/**
 * Reads a name (canonical form) that someone else wrote: `_dmarc.<domain>`,
 * or `<selector>._domainkey.<domain>` (split at the last `._domainkey.`);
 * undefined for any other name. The parts are not checked: a name that is
 * none of dkimctl's reads as what it would be.
 */
export function readName(name: string): NameParts | undefined {
  const dmarc = DMARC_NAME.exec(name);
  if (dmarc) return { family: "dmarc", domain: dmarc[1] };
  const dkim = SELECTOR_NAME.exec(name);
  return dkim ? { family: "dkim", selector: dkim[1], domain: dkim[2] } : undefined;
}

/**
 * A regular expression (RE2 and JavaScript alike) that matches the names
 * dkimctl publishes in a zone: every `_domainkey` name, and with `dmarc`
 * every `_dmarc.<domain>`; with `relative`, names relative to the zone
 * (relativeName), where the zone's own DMARC record is `_dmarc`.
 */
export function publishedNamePattern(opts: { readonly dmarc: boolean; readonly relative?: boolean }): string {
  return opts.dmarc ? `${DOMAINKEY}|^${DMARC}${opts.relative ? "(\\.|$)" : "\\."}` : DOMAINKEY;
}
