/**
 * The signing gate: whether we sign for a customer, from its slots' states
 * over time. Pure: a customer's record and a check's results at a time give
 * its next record and what happened.
 *
 *   waiting --all delegated--> on --a slot not delegated (the customer's doing)--> lapsed
 *   lapsed --all delegated--> on;  lapsed --still not, grace period over--> dropped
 *   dropped --all delegated--> on
 *
 * A customer is switched on only when every slot is delegated (with one
 * slot missing, the next rotation to it would break signing). A lapsed
 * customer is still signed for, so its mail keeps passing while it fixes
 * its records; a dropped one is not. A problem on our side (our key zone
 * does not serve the key, our resolver fails) never lapses anyone.
 */
import type { SlotResult, SlotState } from "./slot";

export const GATE_STATES = ["waiting", "on", "lapsed", "dropped"] as const;
export type GateState = (typeof GATE_STATES)[number];

/** 5 days, as Amazon SES keeps signing for a domain whose records vanished before it stops. */
export const DEFAULT_GRACE_MS = 5 * 24 * 3_600_000;

export interface SlotRecord {
  readonly state: SlotState;
  readonly reason: string;
  /** When the slot was first seen in this state (ISO 8601). */
  readonly since: string;
  /** The problem is ours, not the customer's. */
  readonly ours?: boolean;
  /** `delegated`: the fingerprint of the key the slot served; `since` is when it was first seen serving that key. */
  readonly key?: string;
}

export interface CustomerRecord {
  readonly gate: GateState;
  /** When the customer entered `gate`. */
  readonly since: string;
  /** When every slot was first seen delegated. */
  readonly firstDelegated?: string;
  /** The last check that found every slot delegated. */
  readonly lastDelegated?: string;
  readonly lastChecked: string;
  /** `dropped`: why, naming the slots and their states. */
  readonly reason?: string;
  readonly slots: Readonly<Record<string, SlotRecord>>;
}

export type GateEventKind = "switched-on" | "lapsed" | "recovered" | "dropped" | "removed";

export interface GateEvent {
  readonly customer: string;
  readonly kind: GateEventKind;
  /** The slots not delegated and why, for lapsed and dropped. */
  readonly why: string;
}

/** Whether we sign for the customer: switched on, or lapsed within its grace period. */
export const isSigning = (record: CustomerRecord | undefined): boolean => record?.gate === "on" || record?.gate === "lapsed";

/** The slots that are not delegated, as `esp1 pending (nxdomain), esp2 ...`. */
export function notDelegated(results: readonly Pick<SlotResult, "slot" | "state" | "reason">[]): string {
  return results
    .filter((r) => r.state !== "delegated")
    .map((r) => `${r.slot} ${r.state} (${r.reason})`)
    .join(", ");
}

/** The customer's next record after a check at `now` found `results` (one per slot, every slot of the customer). */
export function advance(
  customer: string,
  prev: CustomerRecord | undefined,
  results: readonly SlotResult[],
  now: Date,
  graceMs: number = DEFAULT_GRACE_MS,
): { record: CustomerRecord; event?: GateEvent } {
  const at = now.toISOString();
  const all = results.length > 0 && results.every((r) => r.state === "delegated");
  const theirs = results.some((r) => r.state !== "delegated" && !r.ours);
  const why = notDelegated(results);
  const slots: Record<string, SlotRecord> = {};
  for (const r of results) {
    const before = prev?.slots[r.slot];
    const same = before?.state === r.state && before.key === r.key;
    slots[r.slot] = { state: r.state, reason: r.reason, since: same ? before.since : at, ...(r.ours ? { ours: true } : {}), ...(r.key ? { key: r.key } : {}) };
  }
  const base = {
    lastChecked: at,
    ...(prev?.firstDelegated || all ? { firstDelegated: prev?.firstDelegated ?? at } : {}),
    ...(all ? { lastDelegated: at } : prev?.lastDelegated ? { lastDelegated: prev.lastDelegated } : {}),
    slots,
  };
  const gate = prev?.gate ?? "waiting";
  const stay = (): { record: CustomerRecord } => ({
    record: { gate, since: prev?.since ?? at, ...base, ...(prev?.reason && gate === "dropped" ? { reason: prev.reason } : {}) },
  });
  const move = (to: GateState, kind: GateEventKind, reason?: string) => ({
    record: { gate: to, since: at, ...base, ...(reason ? { reason } : {}) },
    event: { customer, kind, why: kind === "switched-on" || kind === "recovered" ? "" : (reason ?? why) },
  });
  switch (gate) {
    case "waiting":
    case "dropped":
      return all ? move("on", "switched-on") : stay();
    case "on":
      if (all || !theirs) return stay();
      return move("lapsed", "lapsed");
    case "lapsed":
      if (all) return move("on", "recovered");
      if (theirs && now.getTime() - Date.parse(prev!.since) >= graceMs)
        return move("dropped", "dropped", `not delegated for the grace period since ${prev!.since}: ${why}`);
      return stay();
  }
}

/**
 * Whether the customer must be checked now: every run, unless it is switched
 * on, was delegated at its last check, and that is less than `recheckAfterMs`
 * ago. With `keys` (slot -> the fingerprint of the key the lock has there), a
 * slot last seen serving another key makes the customer due: rotate placed a
 * new key there, and switches to it only once a check has seen it served.
 */
export function isDue(
  record: CustomerRecord | undefined,
  slots: readonly string[],
  now: Date,
  recheckAfterMs: number,
  keys?: ReadonlyMap<string, string>,
): boolean {
  if (!record || recheckAfterMs <= 0) return true;
  const settled =
    record.gate === "on" && slots.every((s) => record.slots[s]?.state === "delegated" && (keys?.get(s) === undefined || record.slots[s]?.key === keys.get(s)));
  return !settled || now.getTime() - Date.parse(record.lastChecked) >= recheckAfterMs;
}

/**
 * Why signing must not switch to `slot` of `customer` (rotate asks before it
 * makes a slot's key active), or undefined when the slot was delegated at the
 * customer's last check.
 */
export function switchRefusal(record: CustomerRecord | undefined, customer: string, slot: string): string | undefined {
  const found = record?.slots[slot];
  if (found?.state === "delegated") return undefined;
  const what = found ? `is ${found.state} (${found.reason}) since ${found.since}` : "has never been checked";
  return `${customer}: slot ${slot} ${what}: signing does not switch to a slot that is not delegated; run dkimctl verify once the customer has fixed it`;
}

/**
 * Since when the slot has been seen delegated and serving the key with
 * `fingerprint` (rotation switches to a slot's key only once it is served),
 * or undefined while it is not.
 */
export function servedSince(record: CustomerRecord | undefined, slot: string, fingerprint: string): Date | undefined {
  const found = record?.slots[slot];
  return found?.state === "delegated" && found.key === fingerprint ? new Date(found.since) : undefined;
}

/** The customers we sign for: switched on, or lapsed within the grace period. */
export function signingCustomers(customers: ReadonlyMap<string, CustomerRecord>): Set<string> {
  return new Set([...customers].filter(([, r]) => isSigning(r)).map(([c]) => c));
}
