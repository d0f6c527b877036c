/**
 * Which stacks (one per zone, and a key zone's customer stacks) a change
 * touches: the stacks whose synthesized Terraform would differ between two
 * revisions of domains.yaml + dkim.lock.yaml.
 * Pure: compares what each revision publishes, never the text of the files,
 * so a comment, a reordering or a key store setting touches no stack.
 */
import type { Backend, Config, Zone } from "./config/model";
import { stackOf, zoneStackNames } from "./config/zone-stacks";
import type { Lock } from "./keys/lock";
import { type DesiredRecord, desiredRecords } from "./records";

/** Everything a zone's stack is synthesized from. */
export interface StackContents {
  readonly stack: string;
  readonly zone: Zone;
  readonly backend: Backend;
  readonly records: readonly DesiredRecord[];
}

/**
 * `added`: the zone is new (or there is no earlier config); `changed`: its
 * records, provider, zone id or options or backend differ; `removed`: the zone is gone;
 * `all`: listed without a comparison (none asked for, or none possible).
 */
export type StackChange = "added" | "changed" | "removed" | "all";

export interface ListedStack {
  readonly stack: string;
  readonly zone: string;
  readonly change: StackChange;
  /** Why, for people: e.g. `1 record added, 2 records changed`. */
  readonly reason: string;
  /** Records of the zone at the earlier revision; null when the zone was not there or nothing was compared. */
  readonly before: number | null;
  /** Records of the zone now; null when the zone was removed. */
  readonly after: number | null;
}

/**
 * What a revision synthesizes, by stack name: every stack of every zone (a
 * key zone's customer stacks too, empty or not), each with its records.
 * Throws InputError as desiredRecords does.
 */
export function stackContents(config: Config, lock: Lock): Map<string, StackContents> {
  const zones = new Map(config.zones.map((z) => [z.name, z]));
  const out = new Map<string, StackContents & { records: DesiredRecord[] }>();
  for (const zone of config.zones) for (const stack of zoneStackNames(zone)) out.set(stack, { stack, zone, backend: config.backend, records: [] });
  for (const r of desiredRecords(config, lock)) out.get(stackOf(zones.get(r.zone)!, r.kind === "dkim-slot-key" ? r.domain : undefined))!.records.push(r);
  return out;
}

/** Every stack of a revision, listed without a comparison (`change: all`). */
export function allStacks(head: ReadonlyMap<string, StackContents>, reason: string): ListedStack[] {
  return sorted([...head.values()].map((s) => listed(s, "all", reason, null, s.records.length)));
}

/** The stacks that differ between `base` (the earlier revision) and `head`, sorted by name. */
export function changedStacks(base: ReadonlyMap<string, StackContents>, head: ReadonlyMap<string, StackContents>): ListedStack[] {
  const out: ListedStack[] = [];
  for (const [stack, now] of head) {
    const then = base.get(stack);
    const reasons = then ? differences(then, now) : [`new zone (${count(now.records.length, "record")})`];
    if (reasons.length) out.push(listed(now, then ? "changed" : "added", reasons.join("; "), then?.records.length ?? null, now.records.length));
  }
  for (const [stack, then] of base) {
    if (!head.has(stack)) out.push(listed(then, "removed", `zone removed (it had ${count(then.records.length, "record")})`, then.records.length, null));
  }
  return sorted(out);
}

/** A record of a zone that would leave one of the zone's stacks for another. */
export interface MovedRecord {
  readonly name: string;
  readonly type: string;
  readonly zone: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Records that stay in their zone but would change stacks between `base` and
 * `head` (a key zone's `stacks` changed): a delete in one stack and a create
 * in another, which Terraform cannot order across two applies.
 */
export function movedRecords(base: ReadonlyMap<string, StackContents>, head: ReadonlyMap<string, StackContents>): MovedRecord[] {
  const where = new Map<string, { zone: string; stack: string }>();
  for (const s of base.values()) for (const r of s.records) where.set(`${r.name} ${r.type}`, { zone: s.zone.name, stack: s.stack });
  const moved: MovedRecord[] = [];
  for (const s of head.values())
    for (const r of s.records) {
      const then = where.get(`${r.name} ${r.type}`);
      if (then && then.zone === s.zone.name && then.stack !== s.stack)
        moved.push({ name: r.name, type: r.type, zone: s.zone.name, from: then.stack, to: s.stack });
    }
  return moved.sort((a, b) => a.name.localeCompare(b.name));
}

function listed(s: StackContents, change: StackChange, reason: string, before: number | null, after: number | null): ListedStack {
  return { stack: s.stack, zone: s.zone.name, change, reason, before, after };
}

/** What differs between two revisions of one stack, for people; empty when they synthesize the same. */
function differences(before: StackContents, after: StackContents): string[] {
  const reasons: string[] = [];
  if (before.zone.provider !== after.zone.provider) reasons.push(`provider ${before.zone.provider} -> ${after.zone.provider}`);
  if (before.zone.zoneId !== after.zone.zoneId) reasons.push("zoneId changed");
  // The provider's other zone options name where the records go too (a managed zone, a resource group).
  for (const option of new Set([...Object.keys(before.zone.options), ...Object.keys(after.zone.options)]))
    if (before.zone.options[option] !== after.zone.options[option]) reasons.push(`${option} changed`);
  if (canonical(before.backend) !== canonical(after.backend)) reasons.push("backend changed");
  const old = recordMap(before.records);
  const now = recordMap(after.records);
  const added = [...now.keys()].filter((k) => !old.has(k)).length;
  const removed = [...old.keys()].filter((k) => !now.has(k)).length;
  const changed = [...now].filter(([k, v]) => old.has(k) && old.get(k) !== v).length;
  const parts = [
    added && `${count(added, "record")} added`,
    changed && `${count(changed, "record")} changed`,
    removed && `${count(removed, "record")} removed`,
  ];
  if (added || changed || removed) reasons.push(parts.filter(Boolean).join(", "));
  if (after.records.length === 0 && before.records.length > 0) reasons.push("the zone has no records left");
  return reasons;
}

/** Each record by name and type, to what the stack publishes for it. */
function recordMap(records: readonly DesiredRecord[]): Map<string, string> {
  return new Map(records.map((r) => [`${r.name} ${r.type}`, canonical({ ttl: r.ttl, value: r.value, strings: r.strings, adopt: r.adopt === true })]));
}

/** JSON with sorted keys: equal for equal values, whatever the order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function sorted(stacks: ListedStack[]): ListedStack[] {
  return stacks.sort((a, b) => a.stack.localeCompare(b.stack));
}
