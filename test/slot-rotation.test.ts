/**
 * The slot lifecycle of signing-provider mode, driven through years of random
 * clocks, policy and TTL edits, forced rotations and customers slow to
 * publish: the invariants that keep every customer's mail verifying must hold,
 * against a model of the resolvers' caches at each slot's name.
 */
import fc from "fast-check";
import { type SlotPolicy, shortestEvery, slotPolicyProblems } from "../src/config/slot-policy";
import type { SlotKeyState } from "../src/lifecycle";
import { advanceCustomers, type CustomerRun } from "../src/rotation/customer-runs";
import { JITTER_SHARE, rotationJitter } from "../src/rotation/jitter";
import { advanceSlots, type SlotKey, type SlotRun } from "../src/rotation/slots";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
const BASE: SlotPolicy = { every: 30 * DAY, publishAhead: 3 * DAY, retireAfter: 7 * DAY };

/**
 * One run of rotate (then a deploy): time passes, maybe the policy or the
 * TTL is edited (TTLs of days, as long as publishAhead allows, so that a TTL
 * lowered with publishAhead while a key waits is tried), maybe a rotation is forced.
 */
const stepArb = fc.record({
  // Whole seconds, as the lock records times (the machine decides on the recorded time).
  wait: fc.oneof(fc.integer({ min: HOUR, max: 3 * DAY }), fc.integer({ min: HOUR, max: 40 * DAY })).map((ms) => Math.floor(ms / 1000) * 1000),
  force: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  edit: fc.option(
    fc.record({
      every: fc.integer({ min: 1, max: 200 }).map((d) => d * DAY),
      publishAhead: fc.integer({ min: 1, max: 9 }).map((d) => d * DAY),
      retireAfter: fc.integer({ min: 1, max: 20 }).map((d) => d * DAY),
    }),
    { freq: 4 },
  ),
  ttl: fc.option(fc.constantFrom(60, 3600, 86_400, 3 * 86_400, 6 * 86_400), { freq: 3 }),
});

interface Drive {
  readonly slots: readonly string[];
  /** How long after it is placed the signing gate first sees each key, by `slot.generation`; absent: at once. */
  readonly lag: ReadonlyMap<string, number>;
  readonly steps: readonly { wait: number; force: boolean; edit: SlotPolicy | null; ttl: number | null }[];
}

const id = (k: Pick<SlotKey, "slot" | "generation">) => `${k.slot}.${k.generation}`;

/**
 * Runs rotate at each step, each followed by a deploy of our zone: a slot's
 * name serves the key the lock puts at it from the step it is placed, with
 * the TTL configured at each step. A resolver that asked at time τ may hold
 * the answer until τ + that TTL.
 */
function drive({ slots, lag, steps }: Drive) {
  let policy = BASE;
  let ttl = 3600;
  let keys: SlotKey[] = [];
  let now = T0;
  const failures: string[] = [];
  const fail = (what: string) => failures.push(`${new Date(now).toISOString()}: ${what}`);
  /** Per key, each state it entered, when, and the policy then. */
  const moves = new Map<string, { state: SlotKeyState | "removed"; at: number; policy: SlotPolicy }[]>();
  /** When each key was placed (`slot.generation`). */
  const placed = new Map<string, number>();
  /** The TTL in force from each step on. */
  const ttls: { from: number; ttl: number }[] = [{ from: T0, ttl }];
  const seenAt = (k: Pick<SlotKey, "slot" | "generation" | "created">) => Date.parse(k.created) + (lag.get(id(k)) ?? 0);
  /** The latest time a resolver may hold `key` (served from its placement until its successor's). */
  const cachedUntil = (slot: string, generation: number): number => {
    const from = placed.get(`${slot}.${generation}`)!;
    const to = placed.get(`${slot}.${generation + 1}`)!;
    let latest = 0;
    ttls.forEach((t, i) => {
      const end = Math.min(ttls[i + 1]?.from ?? Number.POSITIVE_INFINITY, to);
      if (end > from && t.from < to) latest = Math.max(latest, end + t.ttl * 1000);
    });
    return latest;
  };
  let everActive = false;
  let hadKey = new Set<string>();
  for (const step of steps) {
    now += step.wait;
    // One edit of domains.yaml may change the policy and the TTL together; an edit validate refuses is not made.
    const edited = { policy: step.edit ?? policy, ttl: step.ttl ?? ttl };
    if (slotPolicyProblems(edited.policy, slots.length, edited.ttl).length === 0) {
      policy = edited.policy;
      if (edited.ttl !== ttl) ttls.push({ from: now, ttl: edited.ttl });
      ttl = edited.ttl;
    }
    const run: SlotRun = {
      slots,
      policy,
      ttl,
      algorithm: "rsa-2048",
      force: step.force,
      seen: (k) => (seenAt(k) <= now ? new Date(seenAt(k)) : undefined),
    };
    const before = new Map(keys.map((k) => [id(k), k.state]));
    const result = advanceSlots(keys, run, new Date(now));
    keys = result.keys;
    for (const e of result.events) {
      const key = `${e.slot}.${e.generation}`;
      if (!moves.has(key)) moves.set(key, []);
      moves.get(key)!.push({ state: e.to, at: now, policy });
      if ((before.get(key) ?? "new") !== (e.from ?? "new")) fail(`${key}: the event says from ${e.from} but it was ${before.get(key)}`);
      if (e.to === "pending") placed.set(key, now);
    }
    for (const slot of slots) {
      const at = keys.filter((k) => k.slot === slot);
      if (at.length > 1) fail(`${slot} holds ${at.length} keys`);
      if (at.length === 0 && hadKey.has(slot)) fail(`${slot} had a key and has none: its name would not answer`);
    }
    hadKey = new Set(keys.map((k) => k.slot));
    const active = keys.filter((k) => k.state === "active");
    if (active.length > 1) fail(`${active.length} active keys`);
    if (everActive && active.length === 0) fail("no active key after one was");
    everActive ||= active.length > 0;
    for (const k of active) {
      if (before.get(id(k)) === "active") continue;
      // The TTL rule: no resolver can still hold an earlier key of this slot when the new key signs.
      for (let g = 1; g < k.generation; g++)
        if (cachedUntil(k.slot, g) > now) fail(`${id(k)} signs while ${k.slot}.${g} may be cached until ${new Date(cachedUntil(k.slot, g)).toISOString()}`);
      if (now - seenAt(k) < policy.publishAhead) fail(`${id(k)} signs ${now - seenAt(k)} ms after it was seen, less than publishAhead`);
    }
  }
  return { keys, moves, failures };
}

const ORDER: (SlotKeyState | "removed")[] = ["pending", "active", "retiring", "removed"];

test("slot invariants hold across years of random clocks, policy and TTL edits, forced rotations and customers slow to publish", () => {
  const driveArb = fc
    .record({
      slots: fc.constantFrom(["esp1", "esp2"], ["esp1", "esp2", "esp3"]),
      lags: fc.array(fc.option(fc.integer({ min: 0, max: 20 * DAY }), { freq: 2 }), { maxLength: 30 }),
      steps: fc.array(stepArb, { minLength: 10, maxLength: 120 }),
    })
    .map(({ slots, lags, steps }) => {
      const lag = new Map<string, number>();
      for (const [i, l] of lags.entries()) if (l !== null) lag.set(`${slots[i % slots.length]}.${Math.floor(i / slots.length) + 1}`, l);
      return { slots, lag, steps };
    });
  fc.assert(
    fc.property(driveArb, (d) => {
      const { moves, failures } = drive(d);
      expect(failures).toEqual([]);
      for (const [key, history] of moves) {
        const states = history.map((m) => m.state);
        // Forward only, one step at a time, from pending; a slot's generations follow one another.
        expect([key, states[0]]).toEqual([key, "pending"]);
        for (let i = 1; i < states.length; i++) expect([key, ORDER.indexOf(states[i])]).toEqual([key, ORDER.indexOf(states[i - 1]) + 1]);
        // A retiring key stays published retireAfter (the policy when it left).
        const retired = history.find((m) => m.state === "retiring");
        const removed = history.find((m) => m.state === "removed");
        if (retired && removed) expect(removed.at - retired.at).toBeGreaterThanOrEqual(removed.policy.retireAfter);
        const [slot, generation] = key.split(".");
        if (Number(generation) > 1) expect(moves.has(`${slot}.${Number(generation) - 1}`)).toBe(true);
      }
    }),
    { numRuns: 300 },
  );
});

/** Daily runs with a fixed policy: the activation times of the one customer's keys. */
function activations(slots: readonly string[], policy: SlotPolicy, days: number, force = false): number[] {
  let keys: SlotKey[] = [];
  const out: number[] = [];
  for (let day = 0, now = T0; day < days; day++, now += DAY) {
    const r = advanceSlots(keys, { slots, policy, ttl: 3600, algorithm: "ed25519", force }, new Date(now));
    keys = r.keys;
    for (const e of r.events) if (e.to === "active") out.push(now);
  }
  return out;
}

test("two slots rotate on time when every allows it, and never faster than publishAhead + retireAfter, even forced every day", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 150 }), (p, r, extra) => {
      const policy = { publishAhead: p * DAY, retireAfter: r * DAY, every: (p + r + extra) * DAY };
      const times = activations(["esp1", "esp2"], policy, 2 * 365);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      // The first key waits publishAhead; then each key signs for `every`, give or take the daily run.
      expect(times[0] - T0).toBe(p * DAY);
      for (const g of gaps) expect(g).toBeLessThanOrEqual(policy.every + DAY);
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(policy.every);
      // Forced every day: the second slot's first key is ready at once; after it, the idle slot is busy retiring first.
      const forced = activations(["esp1", "esp2"], policy, 365, true);
      for (const [i, t] of forced.slice(2).entries()) expect(t - forced[i + 1]).toBeGreaterThanOrEqual((p + r) * DAY);
    }),
    { numRuns: 40 },
  );
});

test("three slots rotate twice as fast as two allow: every = (publishAhead + retireAfter) / 2", () => {
  const policy = { publishAhead: 4 * DAY, retireAfter: 6 * DAY, every: shortestEvery({ publishAhead: 4 * DAY, retireAfter: 6 * DAY }, 3) };
  expect(policy.every).toBe(5 * DAY);
  const three = activations(["esp1", "esp2", "esp3"], policy, 120);
  expect(three.slice(1).map((t, i) => (t - three[i]) / DAY)).toEqual(Array(three.length - 1).fill(5));
  expect(three.length).toBeGreaterThan(20);
  // Two slots with the same policy: after the first keys, the idle slot is not ready in time, so a key signs for publishAhead + retireAfter.
  const two = activations(["esp1", "esp2"], policy, 120);
  expect(new Set(two.slice(2).map((t, i) => (t - two[i + 1]) / DAY))).toEqual(new Set([10]));
  expect(slotPolicyProblems(policy, 2, 3600).map((p) => p.field)).toEqual(["every"]);
  expect(slotPolicyProblems(policy, 3, 3600)).toEqual([]);
});

test("a policy shorter than the TTL, or faster than the slots allow, is refused with what to change", () => {
  const problems = slotPolicyProblems({ every: 5 * DAY, publishAhead: HOUR, retireAfter: 7 * DAY }, 2, 86_400);
  expect(problems.map((p) => p.field)).toEqual(["publishAhead", "every"]);
  expect(problems[0].message).toMatch(/at least the records' TTL \(1d\)/);
  expect(problems[1].message).toMatch(/at least 1w 1h with 2 slots.*or give the customers a third slot/);
});

test("the switch waits for the customer: a key not seen in DNS never signs, and signs publishAhead after it is seen", () => {
  const run = (seen: SlotRun["seen"]): SlotRun => ({ slots: ["esp1", "esp2"], policy: BASE, ttl: 3600, algorithm: "rsa-2048", seen });
  let keys = advanceSlots([], run(undefined), new Date(T0)).keys;
  expect(keys.map((k) => `${id(k)}:${k.state}`)).toEqual(["esp1.1:pending", "esp2.1:pending"]);
  expect(
    advanceSlots(
      keys,
      run(() => undefined),
      new Date(T0 + 30 * DAY),
    ).events,
  ).toEqual([]);
  const seen = new Date(T0 + 10 * DAY);
  expect(
    advanceSlots(
      keys,
      run(() => seen),
      new Date(T0 + 12 * DAY),
    ).events,
  ).toEqual([]);
  keys = advanceSlots(
    keys,
    run(() => seen),
    new Date(T0 + 13 * DAY),
  ).keys;
  expect(keys.map((k) => `${id(k)}:${k.state}`)).toEqual(["esp1.1:active", "esp2.1:pending"]);
});

test("a key that replaced one of a longer TTL waits that TTL even when publishAhead is shorter", () => {
  const policy = { every: 30 * DAY, publishAhead: DAY, retireAfter: DAY };
  const old: SlotKey = {
    slot: "esp2",
    generation: 1,
    algorithm: "rsa-2048",
    state: "retiring",
    created: "2026-01-01T00:00:00Z",
    retired: "2026-01-05T00:00:00Z",
    ttl: 4 * 86_400,
  };
  const active: SlotKey = {
    slot: "esp1",
    generation: 1,
    algorithm: "rsa-2048",
    state: "active",
    created: "2026-01-01T00:00:00Z",
    activated: "2025-12-01T00:00:00Z",
    ttl: 3600,
  };
  const run: SlotRun = { slots: ["esp1", "esp2"], policy, ttl: 3600, algorithm: "rsa-2048" };
  const placed = advanceSlots([active, old], run, new Date(Date.UTC(2026, 0, 6)));
  expect(placed.keys[1]).toMatchObject({ generation: 2, state: "pending", replacedTtl: 4 * 86_400, ttl: 3600 });
  expect(advanceSlots(placed.keys, run, new Date(Date.UTC(2026, 0, 9, 23))).events).toEqual([]);
  expect(advanceSlots(placed.keys, run, new Date(Date.UTC(2026, 0, 10))).keys.map((k) => k.state)).toEqual(["retiring", "active"]);
});

test("a customer's jitter is fixed by its name, below a tenth of every, and spreads a batch brought in together", () => {
  const every = 180 * DAY;
  // Stable across versions (a change moves every customer's rotation date): printf %s example.com | sha256sum gives a379a6f6eeaf...,
  // 0xa379a6f6eeaf / 2^48 of a tenth of 180 days is 993,111 s.
  expect(rotationJitter("example.com", every) / 1000).toBe(993_111);
  expect(rotationJitter("xn--bcher-kva.example", every) / 1000).toBe(917_625);
  const names = Array.from({ length: 1000 }, (_, i) => `customer-${i}.example`);
  const jitters = names.map((n) => rotationJitter(n, every));
  for (const j of jitters) expect(j).toBeGreaterThanOrEqual(0);
  for (const j of jitters) expect(j).toBeLessThan(every * JITTER_SHARE);
  const perDay = new Map<number, number>();
  for (const j of jitters) perDay.set(Math.floor(j / DAY), (perDay.get(Math.floor(j / DAY)) ?? 0) + 1);
  expect(perDay.size).toBe(18);
  expect(Math.max(...perDay.values())).toBeLessThan(90);
});

test("many customers in one run: at most --max get new keys, those waiting longest first, and every customer keeps rotating", () => {
  fc.assert(
    fc.property(fc.integer({ min: 5, max: 40 }), fc.integer({ min: 1, max: 20 }), (count, max) => {
      const policy = { every: 20 * DAY, publishAhead: 2 * DAY, retireAfter: 3 * DAY };
      let customers: CustomerRun[] = Array.from({ length: count }, (_, i) => ({
        name: `c${i}.example`,
        keys: [],
        run: { slots: ["esp1", "esp2"], policy, ttl: 300, algorithm: "ed25519" },
      }));
      const switches = new Map<string, number>();
      for (let day = 0, now = T0; day < 240; day++, now += DAY) {
        const results = advanceCustomers(customers, new Date(now), { max });
        const placed = results.filter((r) => r.events.some((e) => e.to === "pending"));
        expect(placed.length).toBeLessThanOrEqual(max);
        // Deferred only because the limit was reached by customers waiting no shorter.
        if (results.some((r) => r.deferred)) expect(placed.length).toBe(max);
        for (const r of results) if (r.events.some((e) => e.to === "active")) switches.set(r.name, (switches.get(r.name) ?? 0) + 1);
        customers = customers.map((c, i) => ({ ...c, keys: results[i].keys }));
      }
      // Nobody starves: each customer rotates every 20 days (12 times in 240) where the limit allows it,
      // and otherwise gets its share of the limit's new keys (max a day over count customers).
      const fewest = Math.min(...customers.map((c) => switches.get(c.name) ?? 0));
      expect(fewest).toBeGreaterThanOrEqual(Math.min(10, Math.floor((0.5 * max * 240) / count)));
    }),
    { numRuns: 8 },
  );
});

test("a switch the signing gate holds back is named (held): the one the customer would make were its key seen from when it was placed", () => {
  const policy = { every: 20 * DAY, publishAhead: 2 * DAY, retireAfter: 3 * DAY };
  const run = (name: string, seen: (k: SlotKey) => Date | undefined): CustomerRun => ({
    name,
    keys: [],
    run: { slots: ["esp1", "esp2"], policy, ttl: 300, algorithm: "ed25519", seen },
  });
  const placedSeen = (k: SlotKey) => new Date(k.created);
  // esp1 seen from its placing; esp2 only four days later; the third customer's slots never.
  const lateEsp2 = (k: SlotKey) => (k.slot === "esp1" ? placedSeen(k) : new Date(Date.parse(k.created) + 4 * DAY));
  let customers = [run("open.example", placedSeen), run("late.example", lateEsp2), run("never.example", () => undefined)];
  const at = (days: number) => {
    const results = advanceCustomers(customers, new Date(T0 + days * DAY));
    customers = customers.map((c, i) => ({ ...c, keys: results[i].keys }));
    return Object.fromEntries(results.map((r) => [r.name, { switched: r.events.filter((e) => e.to === "active").map((e) => e.slot), held: r.held?.slot }]));
  };
  expect(at(0)).toEqual({
    "open.example": { switched: [], held: undefined },
    "late.example": { switched: [], held: undefined },
    "never.example": { switched: [], held: undefined },
  });
  expect(at(3)).toEqual({
    "open.example": { switched: ["esp1"], held: undefined },
    "late.example": { switched: ["esp1"], held: undefined },
    "never.example": { switched: [], held: "esp1" },
  });
  // Due for esp2 (20 days after esp1 signed, or up to a jitter earlier): late.example's esp2 was seen four days after it was placed, long enough.
  expect(at(23)).toEqual({
    "open.example": { switched: ["esp2"], held: undefined },
    "late.example": { switched: ["esp2"], held: undefined },
    "never.example": { switched: [], held: "esp1" },
  });
});
