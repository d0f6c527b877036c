/**
 * `dmarc:` and `parked:` in domains.yaml: each field checked where it is
 * written (the shape check has already named fields of the wrong type),
 * then a domain's own fields merged over defaults.dmarc, field by field.
 */
import { checkHostName } from "../dns/host-name";
import { DMARC_ALIGNMENTS, DMARC_POLICIES, type DmarcAlignment, type DmarcDisposition, type DmarcPolicy } from "../dmarc/policy";
import { PARKED_POLICY } from "../dmarc/record";
import { excerpt } from "../redact";
import { isMapping, type PathKey } from "./yaml-source";

type Report = (path: PathKey[], message: string, where?: "value" | "key") => void;
type Obj = Record<string, unknown>;
type Fields = { -readonly [K in keyof DmarcPolicy]?: DmarcPolicy[K] };

/** `local@domain` with an optional `!size` (digits, then k, m, g or t): RFC 7489 6.2. */
const MAILTO = /^mailto:([^@]+)@([^!]+)(?:!(\d+[kmgt]?))?$/i;
/** RFC 5322 dot-atom, without `!` (it would read as the size) and `,`/`;` (they separate URIs and tags). */
const LOCAL_PART = /^[A-Za-z0-9#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9#$%&'*+/=?^_`{|}~-]+)*$/;
const FAILURE_OPTIONS = /^[01ds](?::[01ds])*$/;

/**
 * A report URI in its published form (`mailto:` lower case, the domain as
 * A-labels, the size unit lower case), or a reason it is not one.
 */
export function reportUri(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const m = MAILTO.exec(raw.trim());
  if (!m)
    return /^mailto:/i.test(raw.trim())
      ? { ok: false, reason: "is not mailto:<address>[!size]: the size is digits and an optional k, m, g or t (e.g. mailto:dmarc@example.com!10m)" }
      : { ok: false, reason: "is not a mailto: URI: dkimctl publishes mailto:<address>[!size] report URIs (e.g. mailto:dmarc@example.com)" };
  const [, local, host, size] = m;
  if (!LOCAL_PART.test(local))
    return { ok: false, reason: `has the address part '${excerpt(local)}', which is not a plain mailbox name (no spaces, ',', ';' or '!')` };
  const domain = checkHostName(host, "publish");
  if (!domain.ok) return { ok: false, reason: `has the mail domain '${excerpt(host)}', which ${domain.reason}` };
  return { ok: true, value: `mailto:${local}@${domain.value}${size ? `!${size.toLowerCase()}` : ""}` };
}

/** The valid fields of one `dmarc:` mapping (at `path`), each problem reported there. */
function dmarcFields(raw: Obj, path: PathKey[], at: Report, warn: Report): Fields {
  const fields: Fields = {};
  const disposition = (v: unknown) => (DMARC_POLICIES.includes(v as DmarcDisposition) ? (v as DmarcDisposition) : undefined);
  const alignment = (v: unknown) => (DMARC_ALIGNMENTS.includes(v as DmarcAlignment) ? (v as DmarcAlignment) : undefined);
  const set = <K extends keyof Fields>(key: K, value: Fields[K] | undefined) => {
    if (value !== undefined) fields[key] = value;
  };
  set("policy", disposition(raw.policy));
  set("subdomainPolicy", disposition(raw.subdomainPolicy));
  set("nonexistentPolicy", disposition(raw.nonexistentPolicy));
  set("adkim", alignment(raw.adkim));
  set("aspf", alignment(raw.aspf));
  for (const key of ["rua", "ruf"] as const) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    const uris: string[] = [];
    list.forEach((item, i) => {
      if (typeof item !== "string") return; // the shape check reported it
      const uri = reportUri(item);
      if (uri.ok) uris.push(uri.value);
      else at([...path, key, i], `the report URI '${excerpt(item)}' ${uri.reason}`);
    });
    if (uris.length === list.length) set(key, uris);
  }
  if (typeof raw.failureOptions === "string") {
    const fo = raw.failureOptions.replace(/\s/g, "");
    if (FAILURE_OPTIONS.test(fo)) fields.failureOptions = fo;
    else
      at([...path, "failureOptions"], `failureOptions '${excerpt(raw.failureOptions)}' is not fo=: give 0, 1, d or s, several separated by ':' (e.g. '1:d')`);
  }
  if (typeof raw.testing === "boolean") fields.testing = raw.testing;
  if (typeof raw.pct === "number" && Number.isInteger(raw.pct) && raw.pct >= 0 && raw.pct <= 100) {
    fields.pct = raw.pct;
    warn(
      [...path, "pct"],
      "pct= is deprecated: DMARCbis (RFC 9989) removed it and receivers may ignore it; " +
        "to try a stricter policy, use 'testing: true' (t=y) or stay at the weaker policy",
    );
  }
  if (raw.ruf !== undefined && raw.rua === undefined)
    warn([...path, "ruf"], "ruf (failure reports) without rua (aggregate reports): few receivers send failure reports; add rua to get reports at all");
  return fields;
}

/** defaults.dmarc: its valid fields, and whether it writes a policy (valid or not). */
export interface DmarcDefaults {
  readonly fields: Fields;
  readonly policyWritten: boolean;
}

/** defaults.dmarc, its problems reported once, there; undefined when absent. */
export function defaultDmarc(defaults: Obj, at: Report, warn: Report): DmarcDefaults | undefined {
  if (!isMapping(defaults.dmarc)) return undefined;
  return { fields: dmarcFields(defaults.dmarc, ["defaults", "dmarc"], at, warn), policyWritten: defaults.dmarc.policy !== undefined };
}

export interface DomainDmarc {
  readonly dmarc?: DmarcPolicy;
  readonly adoptDmarc?: boolean;
  readonly parked: boolean;
}

/**
 * A domain's effective DMARC record and `parked`: its own `dmarc:` merged
 * over defaults.dmarc, `dmarc: false` for none; a parked domain's is
 * p=reject, sp=reject with the report addresses of the merge.
 */
export function domainDmarc(
  raw: unknown,
  path: PathKey[],
  /** Why the domain's zone cannot take over an existing record (`adopt`); undefined where it can, or without a zone. */
  cannotAdopt: string | undefined,
  defaults: DmarcDefaults | undefined,
  at: Report,
  warn: Report,
): DomainDmarc {
  const domain = isMapping(raw) ? raw : {};
  const parked = domain.parked === true;
  const dmarcPath = [...path, "dmarc"];
  if (domain.dmarc === false) {
    if (parked) at(dmarcPath, "a parked domain publishes DMARC p=reject (that is what tells receivers it sends no mail): remove 'dmarc: false'");
    return { parked };
  }
  const own = isMapping(domain.dmarc) ? domain.dmarc : undefined;
  const ownFields = own ? dmarcFields(own, dmarcPath, at, warn) : {};
  const adopt = own?.adopt === true;
  if (adopt && cannotAdopt) at([...dmarcPath, "adopt"], cannotAdopt);
  if (parked) {
    for (const key of ["policy", "subdomainPolicy", "nonexistentPolicy"] as const)
      if (own && typeof own[key] === "string" && own[key] !== "reject")
        at(
          [...dmarcPath, key],
          `a parked domain sends no mail, so its DMARC ${key} is reject: remove '${key}: ${excerpt(String(own[key]))}' or 'parked: true'`,
        );
    if (own?.testing === true) at([...dmarcPath, "testing"], "a parked domain's DMARC record is not in testing: remove 'testing: true'");
    if (typeof own?.pct === "number" && own.pct < 100) at([...dmarcPath, "pct"], "a parked domain rejects all mail that claims to be from it: remove 'pct'");
    const merged = { ...defaults?.fields, ...ownFields };
    const reports: Fields = {};
    for (const key of ["rua", "ruf", "failureOptions"] as const) if (merged[key] !== undefined) Object.assign(reports, { [key]: merged[key] });
    const np = ownFields.nonexistentPolicy ? { nonexistentPolicy: ownFields.nonexistentPolicy } : {};
    return { dmarc: { ...PARKED_POLICY, ...np, ...reports }, parked, ...(adopt ? { adoptDmarc: true } : {}) };
  }
  if (!own && !defaults) return { parked };
  const merged = { ...defaults?.fields, ...ownFields };
  if (merged.policy === undefined) {
    // A policy of the wrong value was reported where it is written.
    if (own?.policy === undefined && !defaults?.policyWritten)
      at(
        own ? dmarcPath : path,
        own
          ? "has no policy: set 'policy' (none, quarantine or reject) here or in defaults.dmarc"
          : "gets defaults.dmarc, which has no policy: set 'policy' (none, quarantine or reject) in defaults.dmarc or in this domain's dmarc",
        own ? "value" : "key",
      );
    return { parked };
  }
  return { dmarc: merged as DmarcPolicy, parked, ...(adopt ? { adoptDmarc: true } : {}) };
}
