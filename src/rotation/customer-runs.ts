/**
 * One run of rotate over many customers: each advances by its slots'
 * lifecycle (./slots.ts), falling due a little early by its own jitter, and
 * at most `max` customers get new keys in the run, so that a run's new keys
 * (and the changes of our zone they make) stay within what one deploy should
 * carry. Pure.
 */
import { rotationJitter } from "./jitter";
import { advanceSlots, keysWantedSince, nextSlotChange, type SlotEvent, type SlotKey, type SlotRun } from "./slots";

export interface CustomerRun {
  /** The customer (published form): its jitter comes from it. */
  readonly name: string;
  readonly keys: readonly SlotKey[];
  readonly run: Omit<SlotRun, "place" | "jitter">;
}

export interface CustomerResult {
  readonly name: string;
  readonly keys: readonly SlotKey[];
  readonly events: readonly SlotEvent[];
  /** When its keys next change if nothing else does. */
  readonly next?: Date;
  /** It wanted new keys, but the run's limit gave them to customers waiting longer. */
  readonly deferred: boolean;
  /**
   * The switch its `seen` hook (the signing gate) held back: the key it would
   * have switched to had the key counted as published from when it was placed.
   */
  readonly held?: SlotEvent;
}

/**
 * Advances every customer to `clock`. With `max`, only the `max` customers
 * that have waited longest for new keys (then by name) get them in this run;
 * the others keep their keys, still published, until a later run; every
 * customer's switches still happen.
 */
export function advanceCustomers(customers: readonly CustomerRun[], clock: Date, opts: { readonly max?: number } = {}): CustomerResult[] {
  const wanting = customers
    .map((c) => ({ name: c.name, since: keysWantedSince(c.keys, c.run, clock) }))
    .filter((w): w is { name: string; since: number } => w.since !== undefined)
    .sort((a, b) => a.since - b.since || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const allowed = new Set(wanting.slice(0, opts.max ?? wanting.length).map((w) => w.name));
  const wants = new Set(wanting.map((w) => w.name));
  return customers.map((c) => {
    const run: SlotRun = { ...c.run, jitter: rotationJitter(c.name, c.run.policy.every), place: allowed.has(c.name) };
    const { keys, events } = advanceSlots(c.keys, run, clock);
    const held =
      run.seen && !events.some((e) => e.to === "active")
        ? advanceSlots(c.keys, { ...run, seen: undefined }, clock).events.find((e) => e.to === "active")
        : undefined;
    return {
      name: c.name,
      keys,
      events,
      next: nextSlotChange(keys, run),
      deferred: wants.has(c.name) && !allowed.has(c.name),
      ...(held ? { held } : {}),
    };
  });
}
