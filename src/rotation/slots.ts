/**
 * The key lifecycle of one customer's slots (signing-provider mode), as a
 * pure function of the keys, the policy and the time. A slot is a fixed name
 * (`esp1._domainkey.<customer>`, delegated to a target in our key zone) whose
 * key changes; the customer's records never do:
 *
 *   the idle slot's retiring key --retireAfter--> replaced by the next key (pending)
 *   pending --publishAhead since seen, and the replaced key's TTL--> active
 *   active --every, less the customer's jitter--> retiring (the next key signs)
 *
 * A slot is never left without a key once it has one: its key is removed in
 * the same step that places the next. Because a slot's name receives a new
 * key over time, a resolver may still hold the key it replaced for that key's
 * TTL: a key is switched to only once the replaced key's TTL (and
 * publishAhead, which is at least the TTL) has passed since it was seen
 * published, so no cached old key meets a new signature. With two slots a
 * customer cannot rotate faster than publishAhead + retireAfter (the idle
 * slot is busy with the retiring key first); with three, twice as fast.
 */
import type { SlotPolicy } from "../config/slot-policy";
import type { KeyAlgorithm } from "../dkim/keys";
import { formatDuration } from "../duration";
import type { SlotKeyState } from "../lifecycle";
import { isoSeconds } from "../time";

export interface SlotKey {
  /** The slot it is published at (one label, e.g. `esp1`). */
  readonly slot: string;
  /** 1 for the slot's first key, one more for each key after it. */
  readonly generation: number;
  readonly algorithm: KeyAlgorithm;
  readonly state: SlotKeyState;
  /** When it was placed at its slot (ISO 8601): written to the lock, published by the next deploy. */
  readonly created: string;
  readonly activated?: string;
  readonly retired?: string;
  /** The longest TTL (seconds) its record has been published with, as the runs of rotate saw it. */
  readonly ttl: number;
  /**
   * The `ttl` of the key it replaced at its slot: a resolver may still hold
   * that key this long after this one is published. Absent for a slot's first key.
   */
  readonly replacedTtl?: number;
}

export interface SlotRun {
  /** The customer's slots as configured, in order. */
  readonly slots: readonly string[];
  readonly policy: SlotPolicy;
  /** The TTL (seconds) its key records are published with now. */
  readonly ttl: number;
  /** The algorithm of keys placed now. */
  readonly algorithm: KeyAlgorithm;
  /** How much earlier than `every` the customer falls due (milliseconds; rotationJitter). @default 0 */
  readonly jitter?: number;
  /** Start a rotation now (suspected compromise): switch to the next key as soon as one may sign. */
  readonly force?: boolean;
  /** Whether this run may place new keys (the per-run limit, `rotate --max`). @default true */
  readonly place?: boolean;
  /**
   * Since when the customer's delegation has been seen serving `key` at its
   * slot, or undefined while it is not: a key is switched to only once seen.
   * The hook of the signing gate (delegation checked in DNS); a customer who
   * publishes the key record itself (delegation `txt`) is seen only there.
   * @default the time the key was placed (our zone is deployed after rotate)
   */
  readonly seen?: (key: SlotKey) => Date | undefined;
}

export interface SlotEvent {
  readonly slot: string;
  readonly generation: number;
  /** Absent for a key placed now. */
  readonly from?: SlotKeyState;
  readonly to: SlotKeyState | "removed";
  readonly why: string;
}

const since = (t: string | undefined, now: number) => (t === undefined ? 0 : now - Date.parse(t));
/** The lock records whole seconds: decide on the time that is recorded. */
const wholeSeconds = (clock: Date) => Math.floor(clock.getTime() / 1000) * 1000;

/**
 * Advances one customer's slot keys to `clock`. Each key moves at most one
 * step per call, so every phase lasts at least one deploy. Returns the new
 * keys (placed keys have no key material yet: the caller makes it) and what
 * changed.
 */
export function advanceSlots(keys: readonly SlotKey[], run: SlotRun, clock: Date): { keys: SlotKey[]; events: SlotEvent[] } {
  const now = wholeSeconds(clock);
  const t = isoSeconds(new Date(now));
  const { policy } = run;
  const events: SlotEvent[] = [];
  // The TTL its record has now counts for every key still published.
  let next: SlotKey[] = keys.map((k) => (k.ttl >= run.ttl ? k : { ...k, ttl: run.ttl }));
  const configured = new Set(run.slots);

  // 1. Keys leave their slots: a retiring key after retireAfter (the slot takes the next key
  // in the same step, so it always answers); at a slot no longer configured, a pending key
  // at once (it never signed) and a retiring one after retireAfter, with nothing after it.
  const placing = run.place !== false;
  const out: SlotKey[] = [];
  for (const k of next) {
    const retired = k.state === "retiring" && since(k.retired, now) >= policy.retireAfter;
    if (configured.has(k.slot) && retired && placing) {
      events.push({ slot: k.slot, generation: k.generation, from: k.state, to: "removed", why: `retiring for ${formatDuration(policy.retireAfter)}` });
      const placed: SlotKey = {
        slot: k.slot,
        generation: k.generation + 1,
        algorithm: run.algorithm,
        state: "pending",
        created: t,
        ttl: run.ttl,
        replacedTtl: Math.max(k.ttl, run.ttl),
      };
      events.push({ slot: k.slot, generation: placed.generation, to: "pending", why: `replaces generation ${k.generation}` });
      out.push(placed);
    } else if (!configured.has(k.slot) && (k.state === "pending" || retired)) {
      events.push({ slot: k.slot, generation: k.generation, from: k.state, to: "removed", why: `${k.slot} is no longer one of the customer's slots` });
    } else out.push(k);
  }
  next = out;
  if (placing)
    for (const slot of run.slots) {
      if (next.some((k) => k.slot === slot)) continue;
      next.push({ slot, generation: 1, algorithm: run.algorithm, state: "pending", created: t, ttl: run.ttl });
      events.push({ slot, generation: 1, to: "pending", why: "the slot's first key" });
    }

  // 2. The switch: when the active key is due (or there is none), the pending key that may sign
  // and has waited longest becomes active, and the active key retires. A key placed now may not
  // sign yet (publishAhead is longer than 0), so no key moves twice in one call.
  const active = next.find((k) => k.state === "active");
  const due =
    active === undefined ||
    run.force === true ||
    !configured.has(active.slot) ||
    since(active.activated, now) >= policy.every - Math.min(run.jitter ?? 0, policy.every);
  const order = (k: SlotKey) => run.slots.indexOf(k.slot);
  const candidate = next
    .filter((k) => k.state === "pending" && configured.has(k.slot) && maySign(k, run, now))
    .sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || order(a) - order(b))[0];
  if (due && candidate) {
    next = next.map((k) => {
      if (k === active) {
        events.push({ slot: k.slot, generation: k.generation, from: "active", to: "retiring", why: `replaced by ${candidate.slot}` });
        return { ...k, state: "retiring", retired: t };
      }
      if (k === candidate) {
        const waited = formatDuration(now - publishedAt(k, run)!);
        events.push({ slot: k.slot, generation: k.generation, from: "pending", to: "active", why: `published for ${waited}` });
        return { ...k, state: "active", activated: t };
      }
      return k;
    });
  }
  next.sort((a, b) => order(a) - order(b) || a.slot.localeCompare(b.slot));
  return { keys: next, events };
}

/** Since when the key is seen published (never before it was placed), or undefined while it is not. */
function publishedAt(key: SlotKey, run: SlotRun): number | undefined {
  const placed = Date.parse(key.created);
  if (!run.seen) return placed;
  const seen = run.seen(key);
  return seen === undefined ? undefined : Math.max(placed, seen.getTime());
}

/** A pending key may sign once seen published for publishAhead and for the TTL of the key it replaced. */
function maySign(key: SlotKey, run: SlotRun, now: number): boolean {
  const published = publishedAt(key, run);
  return published !== undefined && now - published >= Math.max(run.policy.publishAhead, (key.replacedTtl ?? 0) * 1000);
}

/**
 * Since when the customer has been waiting for new keys (a slot without a
 * key, or a retiring key past retireAfter), or undefined when it needs none
 * at `clock`: the longest waiting get their keys first under a per-run limit.
 */
export function keysWantedSince(keys: readonly SlotKey[], run: Pick<SlotRun, "slots" | "policy">, clock: Date): number | undefined {
  const now = wholeSeconds(clock);
  const times: number[] = [];
  for (const slot of run.slots) {
    const k = keys.find((x) => x.slot === slot);
    if (k === undefined) times.push(Number.NEGATIVE_INFINITY);
    else if (k.state === "retiring" && since(k.retired, now) >= run.policy.retireAfter) times.push(Date.parse(k.retired!) + run.policy.retireAfter);
  }
  return times.length ? Math.min(...times) : undefined;
}

/** When the keys will next change if nothing else does (for `rotate` to report), or undefined. */
export function nextSlotChange(keys: readonly SlotKey[], run: SlotRun): Date | undefined {
  const { policy } = run;
  const times: number[] = [];
  const active = keys.find((k) => k.state === "active");
  const dueAt = active ? Date.parse(active.activated!) + policy.every - Math.min(run.jitter ?? 0, policy.every) : Number.NEGATIVE_INFINITY;
  for (const k of keys) {
    if (k.state === "retiring") times.push(Date.parse(k.retired!) + policy.retireAfter);
    const published = k.state === "pending" ? publishedAt(k, run) : undefined;
    if (published !== undefined) times.push(Math.max(dueAt, published + Math.max(policy.publishAhead, (k.replacedTtl ?? 0) * 1000)));
  }
  return times.length ? new Date(Math.min(...times)) : undefined;
}
