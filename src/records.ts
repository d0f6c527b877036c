/**
 * Config + lock -> the DNS records dkimctl publishes: the sender domains',
 * and the customers' (their keys in our key zones). The single source of
 * truth for synth, `dkimctl records`, `dkimctl verify` and the tests.
 */
import { slotsOf } from "./config/customer-slots";
import type { Config, Customer, Domain, Selector, Zone } from "./config/model";
import { InputError, type Problem } from "./config/problems";
import { quotaProblems } from "./config/record-quota";
import type { ProviderName } from "./providers";
import { keyType } from "./dkim/keys";
import { keyRecordValue } from "./dkim/record";
import { dmarcRecordValue } from "./dmarc/record";
import { closestZone, nameOf, NULL_SELECTOR, type RecordMeaning } from "./dns/names";
import { splitTxt } from "./dkim/txt";
import type { Lock } from "./keys/lock";
import { isPublished, isRevoked } from "./lifecycle";
import { commandHint } from "./command-hint";
import { instructionsFor } from "./customers/instructions";

/** A parked domain's DKIM null record: every selector of the domain has no key (RFC 6376 3.6.1). */
export const NULL_KEY_RECORD = "v=DKIM1; p=";

/**
 * What in domains.yaml asks for a record, and so what decides how long it
 * lives: `selector`, a selector written under the domain's `selectors`
 * (published while it is written there); `rotation`, a key of the domain's
 * rotation policy (its state is in the lock); `domain`, the domain itself
 * (its `dmarc`, or `parked`: its DMARC record, a parked domain's null record);
 * `customer`, a customer of signing-provider mode (its slots' keys at their
 * targets in the key zone, its records in its own zone where that is ours).
 */
export type RecordRole = "selector" | "rotation" | "domain" | "customer";

/**
 * A record dkimctl publishes. It says what it is (its kind, sender domain
 * and selector: src/dns/names.ts) and why (its role); its name is built from
 * that by the names module, and nothing reads them back out of the name.
 */
export type DesiredRecord = RecordMeaning & {
  readonly role: RecordRole;
  /** The zone the record is written into (the sender domain's own, or a zone above it). */
  readonly zone: string;
  readonly provider: ProviderName;
  /** The zone's id when configured; otherwise it is looked up by name. */
  readonly zoneId?: string;
  /** FQDN, no trailing dot, built from the meaning (nameOf): `<selector>._domainkey.<domain>`, or `_dmarc.<domain>`. */
  readonly name: string;
  readonly type: "TXT" | "CNAME";
  readonly ttl: number;
  /** TXT: the logical record (strings joined). CNAME: the target host. */
  readonly value: string;
  /** TXT: the character-strings as published, each at most 255 bytes. CNAME: empty. */
  readonly strings: readonly string[];
  /** Take over a record of this name that already exists in the zone. */
  readonly adopt?: boolean;
};

/**
 * Every desired record, sorted by zone then name. Throws InputError naming
 * each generated selector that has no key in the lock, or whose lock entry
 * disagrees with the config, each selector that takes the name of a rotated
 * one, any name that would be published twice, and each zone whose records
 * would exceed its provider's record quota.
 */
export function desiredRecords(config: Config, lock: Lock): DesiredRecord[] {
  const { records, problems, missingKeys } = recordsAndProblems(config, lock);
  if (problems.length || missingKeys.length) throw new InputError([...problems, ...missingKeys]);
  return records;
}

/**
 * The one input check of every command that reads domains.yaml and the lock:
 * throws InputError with every problem desiredRecords would report, except
 * the keys not made yet, which 'dkimctl keys' and 'dkimctl rotate' make
 * (`missingKeys: "allowed"`). Returns the records it could build.
 */
export function checkInputs(config: Config, lock: Lock, options: { missingKeys: "allowed" | "refused" }): DesiredRecord[] {
  const { records, problems, missingKeys } = recordsAndProblems(config, lock);
  const refused = options.missingKeys === "refused" ? [...problems, ...missingKeys] : problems;
  if (refused.length) throw new InputError(refused);
  return records;
}

/** What a record holds besides what it is and where: `adopt` is left out of the record unless true. */
type RecordData = Pick<DesiredRecord, "type" | "ttl" | "value" | "strings"> & { readonly adopt?: boolean };

/**
 * A record: what it is, why, the zone it is written into, its name built
 * from what it is, and its data. Assigned field by field: an object literal
 * that spreads several objects takes V8's generic path, about ten times the
 * CPU over the 40,000 records of a large project (bench/load.ts).
 */
function desiredRecord(meaning: RecordMeaning, role: RecordRole, zone: Zone, data: RecordData): DesiredRecord {
  const r: Record<string, unknown> = Object.assign({}, meaning);
  r.role = role;
  r.name = nameOf(meaning);
  r.zone = zone.name;
  r.provider = zone.provider;
  if (zone.zoneId !== undefined) r.zoneId = zone.zoneId;
  r.type = data.type;
  r.ttl = data.ttl;
  r.value = data.value;
  r.strings = data.strings;
  if (data.adopt) r.adopt = true;
  return r as DesiredRecord;
}

/** The records config and lock publish, the problems that make them invalid, and apart from those, the keys not made yet. */
function recordsAndProblems(config: Config, lock: Lock): { records: DesiredRecord[]; problems: Problem[]; missingKeys: Problem[] } {
  const zones = new Map(config.zones.map((z) => [z.name, z]));
  const problems: Problem[] = [];
  const missingKeys: Problem[] = [];
  const records: DesiredRecord[] = [];
  /**
   * Where each record comes from (origins[i] of records[i]), for a name
   * published twice: the domain, selector or customer, whose position and
   * path are made only then. An array beside the records, not a Map keyed by
   * them: 40,000 records of a large project each needed an identity hash,
   * an entry and an object.
   */
  const origins: Origin[] = [];
  const add = (record: DesiredRecord, origin: Origin) => {
    records.push(record);
    origins.push(origin);
  };
  /** Per zone, the records whose keys are not made yet: the quota counts them (keys refuses to make what could not be published). */
  const unmade = new Map<string, number>();
  for (const domain of config.domains) {
    const zone = zones.get(domain.zone)!;
    const missingBefore = missingKeys.length;
    if (domain.dmarc) {
      const value = dmarcRecordValue(domain.dmarc);
      const data = { type: "TXT", ttl: domain.ttl, value, strings: splitTxt(value), adopt: domain.adoptDmarc } as const;
      add(desiredRecord({ kind: "dmarc", domain: domain.name }, "domain", zone, data), domain);
    }
    if (domain.parked) {
      // A DKIM null record: every selector of the domain has no key (RFC 6376 3.6.1, M3AAWG parked domains).
      const value = NULL_KEY_RECORD;
      const meaning = { kind: "dkim-null", domain: domain.name, selector: NULL_SELECTOR } as const;
      add(desiredRecord(meaning, "domain", zone, { type: "TXT", ttl: domain.ttl, value, strings: splitTxt(value) }), domain);
    }
    if (domain.rotation) {
      const rotated = lock.rotated(domain.name);
      if (rotated.length === 0)
        missingKeys.push({
          ...domain.position,
          path: `domains/${domain.name}`,
          message: `has a rotation policy but no keys in ${config.lockFile} yet: run ${commandHint("rotate", config.invocation)} and commit ${config.lockFile}`,
        });
      for (const { selector, entry } of rotated) {
        if (!isPublished(entry.state)) continue;
        // A revoked key is published with an empty p= (RFC 6376 3.6.1) until it is removed.
        const value = keyRecordValue(keyType(entry.algorithm), isRevoked(entry.state) ? "" : entry.publicKey);
        add(
          desiredRecord({ kind: "dkim-key", domain: domain.name, selector }, "rotation", zone, {
            type: "TXT",
            ttl: domain.ttl,
            value,
            strings: splitTxt(value),
          }),
          domain,
        );
      }
    }
    for (const sel of domain.selectors) {
      const value = selectorValue(sel, lock, config, problems, missingKeys);
      if (value === undefined) continue;
      const delegated = sel.source.kind === "delegated";
      const meaning = { kind: delegated ? "dkim-delegation" : "dkim-key", domain: domain.name, selector: sel.name } as const;
      const data = delegated
        ? ({ type: "CNAME", ttl: sel.ttl, value, strings: [], adopt: sel.adopt } as const)
        : ({ type: "TXT", ttl: sel.ttl, value, strings: splitTxt(value), adopt: sel.adopt } as const);
      add(desiredRecord(meaning, "selector", zone, data), sel);
    }
    const rotationUnmade = domain.rotation && lock.rotated(domain.name).length === 0 ? domain.rotation.keys.length - 1 : 0;
    unmade.set(zone.name, (unmade.get(zone.name) ?? 0) + missingKeys.length - missingBefore + rotationUnmade);
  }
  for (const customer of config.customers) {
    for (const record of customerRecords(customer, config, lock, zones, missingKeys, unmade)) add(record, customer);
  }
  problems.push(...publishedTwice(records, origins));
  problems.push(...quotaProblems(config.zones, recordCounts(records, unmade)));
  return { records: records.sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name)), problems, missingKeys };
}

/**
 * A customer's records (signing-provider mode): each slot's key record at
 * its target in the key zone (a `cname` customer's; a `txt` customer
 * publishes its key records itself), and, where the customer's own zone is
 * one of ours, the records it would create there (its instructions). A slot
 * without a key is a missing key, counted against the key zone's quota.
 */
function customerRecords(
  customer: Customer,
  config: Config,
  lock: Lock,
  zones: ReadonlyMap<string, Zone>,
  missingKeys: Problem[],
  unmade: Map<string, number>,
): DesiredRecord[] {
  const keyZone = zones.get(customer.keyZone)!;
  const out: DesiredRecord[] = [];
  let missing = false;
  for (const s of slotsOf(customer)) {
    const key = lock.slotKey(customer.name, s.slot);
    if (!key) {
      missing = true;
      missingKeys.push({
        ...customer.position,
        path: "",
        message:
          `customer ${customer.name}: slot ${s.slot} has no key in ${config.lockFile}: ` +
          `run ${commandHint("keys", config.invocation)} and commit ${config.lockFile}`,
      });
      if (s.delegation === "cname") unmade.set(keyZone.name, (unmade.get(keyZone.name) ?? 0) + 1);
      continue;
    }
    if (s.delegation !== "cname") continue;
    const value = keyRecordValue(keyType(key.algorithm), key.publicKey);
    const meaning = { kind: "dkim-slot-key", domain: customer.name, selector: s.slot, target: s.target } as const;
    out.push(desiredRecord(meaning, "customer", keyZone, { type: "TXT", ttl: customer.ttl, value, strings: splitTxt(value) }));
  }
  // The customer's own zone, when it is one of ours: the records its instructions name (never its key zone: a customer is not below it).
  const own = closestZone(customer.name, zones);
  if (own && !missing)
    for (const r of instructionsFor(customer, lock, config, []).records) {
      const kind = r.type === "CNAME" ? "dkim-delegation" : "dkim-key";
      out.push(
        desiredRecord({ kind, domain: customer.name, selector: r.slot }, "customer", own, { type: r.type, ttl: r.ttl, value: r.value, strings: r.strings }),
      );
    }
  return out;
}

/** Per zone, its records and those whose keys are not made yet. */
function recordCounts(records: readonly DesiredRecord[], unmade: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map(unmade);
  for (const r of records) counts.set(r.zone, (counts.get(r.zone) ?? 0) + 1);
  return counts;
}

/** A name published twice would be two resources of one name (a cdktf error without a position): a problem at the second. */
/** What in domains.yaml asks for a record: the domain, selector or customer. */
type Origin = Domain | Selector | Customer;

/** An origin's path as problems show it. */
function originPath(at: Origin): string {
  if ("keyZone" in at) return `customers/${at.keyZone}/${at.name}`;
  if ("source" in at) return `domains/${at.domain}/selectors/${at.name}`;
  return `domains/${at.name}`;
}

/** `origins[i]`: where `records[i]` comes from. */
function publishedTwice(records: readonly DesiredRecord[], origins: readonly Origin[]): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (seen.has(r.name))
      problems.push({
        ...origins[i].position,
        path: originPath(origins[i]),
        message: `the record ${r.name} would be published twice: give each selector of ${r.domain} its own name`,
      });
    seen.add(r.name);
  }
  return problems;
}

/** A problem at a selector: its position is looked up only now (config/load.ts `located`). */
function selectorProblem(sel: Selector, message: string): Problem {
  return { ...sel.position, path: `domains/${sel.domain}/selectors/${sel.name}`, message };
}

function selectorValue(sel: Selector, lock: Lock, config: Config, problems: Problem[], missingKeys: Problem[]): string | undefined {
  const at = (message: string) => problems.push(selectorProblem(sel, message));
  const entry = lock.get(sel.domain, sel.name);
  if (entry?.state !== undefined) {
    at(
      `${sel.name} is a selector that 'dkimctl rotate' made for ${sel.domain} (${entry.state} in ${config.lockFile}): ` +
        "a rotated selector's name is never reused; choose another name for this selector",
    );
    return undefined;
  }
  switch (sel.source.kind) {
    case "delegated":
    case "provided":
      if (entry)
        at(
          `has a ${entry.algorithm} key in ${config.lockFile}, ` +
            `but domains.yaml now ${sel.source.kind === "delegated" ? "delegates it (cname)" : "gives its txt"}: ` +
            "a selector never gets a second key; use a new selector name for the new record",
        );
      return sel.source.kind === "delegated" ? sel.source.cname : sel.source.txt;
    case "generated":
      if (!entry) {
        missingKeys.push(selectorProblem(sel, `has no key in ${config.lockFile}: run ${commandHint("keys", config.invocation)} and commit ${config.lockFile}`));
        return undefined;
      }
      if (entry.algorithm !== sel.source.algorithm) {
        at(
          `has a ${entry.algorithm} key in ${config.lockFile} but domains.yaml asks for ${sel.source.algorithm}: ` +
            "a selector never gets a second key; add a new selector for the new algorithm",
        );
        return undefined;
      }
      return keyRecordValue(keyType(entry.algorithm), entry.publicKey, { testing: sel.testing, note: sel.note });
  }
}
