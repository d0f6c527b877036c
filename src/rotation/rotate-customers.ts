/**
 * `dkimctl rotate` for signing-provider mode: advances every customer's slot
 * keys (./customer-runs.ts), makes the keys placed at idle slots, and
 * records the result in the lock. It changes only our key zones: a customer's
 * records point at its slots' targets and never change.
 */
import type { Config, Customer } from "../config/model";
import { fingerprint } from "../dkim/keys";
import { type Lock, type SlotKey as LockSlotKey, slotKeyName } from "../keys/lock";
import { generateKeys } from "../keys/generate";
import type { WriteOptions } from "../keys/manage";
import { type KeyStore, marksRemoved } from "../keys/store";
import { advanceCustomers, type CustomerRun } from "./customer-runs";
import type { SlotEvent, SlotKey } from "./slots";

export interface CustomerRotation {
  readonly customer: string;
  readonly events: readonly SlotEvent[];
  /** When its keys next change if nothing else does. */
  readonly next?: Date;
  /** It was due for new keys, but --max gave this run's to customers waiting longer. */
  readonly deferred: boolean;
  /** The slot it signs with after this run, if any. */
  readonly signing?: string;
  /** The slot (and key generation) it would have switched to, had the signing gate seen that key served there. */
  readonly held?: { readonly slot: string; readonly generation: number };
}

export interface RotateCustomersOptions {
  readonly now: Date;
  /** Only these customers (published form). @default every customer */
  readonly customers?: readonly string[];
  readonly force?: boolean;
  /** At most this many customers get new keys in this run (`rotate --max`). @default no limit */
  readonly max?: number;
  /**
   * The signing gate: since when `customer`'s delegation has been seen
   * serving `key` at its slot in DNS, or undefined while it is not; a key is
   * switched to only once seen (`rotate` answers from the status file that
   * `verify` keeps). @default a `cname` customer's key counts as published
   * when it was placed (our key zone is deployed after rotate); a `txt`
   * customer publishes its key records itself, so its keys are never
   * switched to without this
   */
  readonly seen?: (customer: Customer, key: SlotKey) => Date | undefined;
}

/** A lock's slot key as the slot lifecycle reads it; a key `keys` made has no state yet: it is pending from its creation. */
export function slotKeyOf(slot: string, entry: LockSlotKey): SlotKey {
  return {
    slot,
    generation: entry.generation,
    algorithm: entry.algorithm,
    state: entry.state === "active" || entry.state === "retiring" ? entry.state : "pending",
    created: entry.created,
    ...(entry.activated !== undefined ? { activated: entry.activated } : {}),
    ...(entry.retired !== undefined ? { retired: entry.retired } : {}),
    ttl: entry.ttl ?? 0,
    ...(entry.replacedTtl !== undefined ? { replacedTtl: entry.replacedTtl } : {}),
  };
}

/**
 * Advances the customers in the lock in place and puts the keys placed at
 * idle slots in the store, create-only, before the caller writes the lock
 * (a key a killed run stored under the same name is adopted, not replaced).
 * A replaced key stays in the store, marked removed, until `keys prune`.
 */
export async function rotateCustomers(config: Config, lock: Lock, store: KeyStore, opts: RotateCustomersOptions & WriteOptions): Promise<CustomerRotation[]> {
  const only = opts.customers && new Set(opts.customers);
  const chosen = config.customers.filter((c) => !only || only.has(c.name));
  const locked = new Map<string, SlotKey[]>();
  for (const k of lock.slotKeys()) {
    if (!locked.has(k.customer)) locked.set(k.customer, []);
    locked.get(k.customer)!.push(slotKeyOf(k.slot, k.entry));
  }
  const runs: CustomerRun[] = chosen.map((customer) => {
    const seen = opts.seen;
    return {
      name: customer.name,
      keys: locked.get(customer.name) ?? [],
      run: {
        slots: customer.slots,
        policy: customer.rotation,
        ttl: customer.ttl,
        algorithm: customer.algorithm,
        force: opts.force,
        ...(seen ? { seen: (k: SlotKey) => seen(customer, k) } : customer.delegation === "txt" ? { seen: () => undefined } : {}),
      },
    };
  });
  const results = advanceCustomers(runs, opts.now, { max: opts.max });
  const orders: { domain: string; selector: string; algorithm: SlotKey["algorithm"]; customer: string; key: SlotKey }[] = [];
  for (const [i, r] of results.entries()) {
    const kept = new Set(r.keys.map((k) => k.slot));
    for (const { slot } of runs[i].keys) if (!kept.has(slot)) lock.removeSlotKey(r.name, slot);
    for (const k of r.keys) {
      const before = lock.slotKey(r.name, k.slot);
      if (before?.generation === k.generation) {
        lock.setSlotKey(r.name, k.slot, entryOf(k, before));
        continue;
      }
      orders.push({ domain: r.name, selector: slotKeyName(k.slot, k.generation), algorithm: k.algorithm, customer: r.name, key: k });
    }
  }
  // A key another run stored under the new slot key's name is adopted (generateKeys refuses one of another algorithm).
  for (const { order, pair } of await generateKeys(orders, store, opts)) {
    lock.setSlotKey(
      order.customer,
      order.key.slot,
      entryOf(order.key, { algorithm: pair.algorithm, publicKey: pair.publicKey, fingerprint: fingerprint(pair.publicKey) }),
    );
  }
  if (marksRemoved(store))
    for (const [i, r] of results.entries())
      for (const e of r.events.filter((e) => e.to === "removed")) {
        opts.beforeWrite?.();
        await store.markRemoved(runs[i].name, slotKeyName(e.slot, e.generation), opts.now);
      }
  return results.map((r) => {
    const signing = r.keys.find((k) => k.state === "active")?.slot;
    return {
      customer: r.name,
      events: r.events,
      deferred: r.deferred,
      ...(r.next ? { next: r.next } : {}),
      ...(signing ? { signing } : {}),
      ...(r.held ? { held: { slot: r.held.slot, generation: r.held.generation } } : {}),
    };
  });
}

/** The lock's entry for a slot key: its key material from `keyed`, its lifecycle from `k`. */
function entryOf(k: SlotKey, keyed: Pick<LockSlotKey, "algorithm" | "publicKey" | "fingerprint" | "origin">): LockSlotKey {
  return {
    algorithm: keyed.algorithm,
    publicKey: keyed.publicKey,
    fingerprint: keyed.fingerprint,
    ...(keyed.origin ? { origin: keyed.origin } : {}),
    created: k.created,
    state: k.state,
    ...(k.activated !== undefined ? { activated: k.activated } : {}),
    ...(k.retired !== undefined ? { retired: k.retired } : {}),
    generation: k.generation,
    ttl: k.ttl,
    ...(k.replacedTtl !== undefined ? { replacedTtl: k.replacedTtl } : {}),
  };
}
