/**
 * The rotation state machine, driven through years of random clocks and
 * policy edits: the invariants that keep mail verifying must always hold.
 */
import fc from "fast-check";
import type { KeyAlgorithm } from "../src/dkim/keys";
import { advance, type ManagedKey } from "../src/rotation/machine";
import { type KeyState, STATES } from "../src/lifecycle";
import { DEFAULT_POLICY, policyProblems, type RotationPolicy, sequenceLabel } from "../src/config/rotation-policy";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One run of `rotate`: time passes, maybe the policy is edited, maybe a rotation is forced. */
const stepArb = fc.record({
  wait: fc.integer({ min: HOUR, max: 60 * DAY }),
  force: fc.integer({ min: 0, max: 19 }).map((n) => n === 0), // one run in twenty; every draw from fast-check, so a seed replays it
  edit: fc.option(
    fc.record({
      every: fc.integer({ min: 10, max: 400 }).map((d) => d * DAY),
      publishAhead: fc.integer({ min: 1, max: 9 }).map((d) => d * DAY),
      retireAfter: fc.integer({ min: 1, max: 30 }).map((d) => d * DAY),
      revokeFor: fc.integer({ min: 0, max: 60 }).map((d) => d * DAY),
      keys: fc.constantFrom<KeyAlgorithm[][]>(["rsa-2048"], ["ed25519"], ["rsa-2048", "ed25519"], ["ed25519", "rsa-1024"]),
    }),
    { freq: 8 },
  ),
});

interface History {
  /** Per selector: the states it went through with the policy in force at each move. */
  readonly moves: Map<string, { state: KeyState; at: number; policy: RotationPolicy }[]>;
}

function drive(steps: { wait: number; force: boolean; edit: Partial<RotationPolicy> | null }[], start = Date.UTC(2026, 0, 1)) {
  let policy: RotationPolicy = { ...DEFAULT_POLICY, keys: ["rsa-2048", "ed25519"] };
  let keys: ManagedKey[] = [];
  let now = start;
  const history: History = { moves: new Map() };
  const everActive = new Set<KeyAlgorithm>();
  const checks: string[] = [];
  for (const step of steps) {
    now += step.wait;
    if (step.edit) {
      const edited = { ...policy, ...step.edit };
      if (policyProblems(edited).length === 0) policy = edited;
    }
    const before = new Map(keys.map((k) => [k.selector, k.state]));
    const result = advance(keys, policy, new Date(now), { force: step.force });
    keys = result.keys;
    for (const k of keys) {
      if (before.get(k.selector) !== k.state) {
        const moves = history.moves.get(k.selector) ?? [];
        moves.push({ state: k.state, at: now, policy });
        history.moves.set(k.selector, moves);
      }
      if (k.state === "active") everActive.add(k.algorithm);
    }
    // Invariant: at most one active key per algorithm.
    for (const a of new Set(keys.map((k) => k.algorithm))) {
      const n = keys.filter((k) => k.algorithm === a && k.state === "active").length;
      if (n > 1) checks.push(`${n} active ${a} keys at ${new Date(now).toISOString()}`);
    }
    // Invariant: once the domain has had an active key, it always has one.
    if (everActive.size > 0 && !keys.some((k) => k.state === "active")) checks.push(`no active key at ${new Date(now).toISOString()}`);
  }
  return { keys, history, checks, policy, now };
}

const ORDER = (s: KeyState) => STATES.indexOf(s);

test("invariants hold across years of random clocks, policy edits and forced rotations", () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 10, maxLength: 120 }), (steps) => {
      const { keys, history, checks } = drive(steps);
      expect(checks).toEqual([]);
      // No selector name is ever reused.
      expect(new Set(keys.map((k) => k.selector)).size).toBe(keys.length);
      for (const [selector, moves] of history.moves) {
        const states = moves.map((m) => m.state);
        // States only move forward, one step at a time (a pending key that never signed may be dropped).
        for (let i = 1; i < states.length; i++) {
          const skip = states[i - 1] === "pending" && states[i] === "removed";
          if (!skip) expect([selector, ORDER(states[i])]).toEqual([selector, ORDER(states[i - 1]) + 1]);
        }
        // Times as the lock records them; the policy as it was when each move happened.
        const key = keys.find((k) => k.selector === selector)!;
        const stamp: Record<KeyState, string | undefined> = {
          pending: key.created,
          active: key.activated,
          retiring: key.retired,
          revoked: key.revoked,
          removed: key.removed,
        };
        const at = (s: KeyState) => {
          const m = moves.find((x) => x.state === s);
          return m && { at: Date.parse(stamp[s]!), policy: m.policy };
        };
        const created = at("pending")!.at;
        // An active key has been published for at least publishAhead.
        const activated = at("active");
        if (activated) expect(activated.at - created).toBeGreaterThanOrEqual(activated.policy.publishAhead);
        // A key leaves DNS (empty p=) only after retireAfter in retiring; the name goes after revokeFor.
        const retired = at("retiring");
        const revoked = at("revoked");
        if (revoked) expect(revoked.at - retired!.at).toBeGreaterThanOrEqual(revoked.policy.retireAfter);
        const removed = at("removed");
        if (removed && revoked) expect(removed.at - revoked.at).toBeGreaterThanOrEqual(removed.policy.revokeFor);
        if (removed && !revoked) expect(activated).toBeUndefined();
      }
    }),
    { numRuns: 300 },
  );
});

test("with a daily rotate and a fixed policy, keys rotate on time: no active key outlives every + a day", () => {
  fc.assert(
    fc.property(fc.integer({ min: 30, max: 200 }), fc.integer({ min: 1, max: 10 }), (everyDays, aheadDays) => {
      const policy: RotationPolicy = { ...DEFAULT_POLICY, every: everyDays * DAY, publishAhead: aheadDays * DAY, keys: ["rsa-2048"] };
      let keys: ManagedKey[] = [];
      let now = Date.UTC(2026, 0, 1);
      for (let day = 0; day < 3 * 365; day++, now += DAY) {
        keys = advance(keys, policy, new Date(now)).keys;
        const active = keys.find((k) => k.state === "active");
        if (active) expect(now - Date.parse(active.activated!)).toBeLessThanOrEqual(policy.every + DAY);
      }
      // Old keys are cleaned up: at most pending + active + retiring + revoked are published.
      expect(keys.filter((k) => k.state !== "removed").length).toBeLessThanOrEqual(4);
    }),
    { numRuns: 20 },
  );
});

test("forcing a rotation makes a new pending key at once, which still waits publishAhead before it signs", () => {
  const policy: RotationPolicy = { ...DEFAULT_POLICY, keys: ["rsa-2048"] };
  const t0 = Date.UTC(2026, 10, 1);
  let { keys } = advance([], policy, new Date(t0));
  keys = advance(keys, policy, new Date(t0 + 3 * DAY)).keys;
  expect(keys.map((k) => [k.selector, k.state])).toEqual([["s202611a", "active"]]);
  const forced = advance(keys, policy, new Date(t0 + 4 * DAY), { force: true });
  expect(forced.events).toEqual([{ selector: "s202611b", algorithm: "rsa-2048", to: "pending", why: "rotation forced" }]);
  expect(advance(forced.keys, policy, new Date(t0 + 6 * DAY)).events).toEqual([]);
  expect(advance(forced.keys, policy, new Date(t0 + 7 * DAY)).keys.map((k) => k.state)).toEqual(["retiring", "active"]);
});

test("a pending key that DNS does not serve yet is not promoted (rotate --verify)", () => {
  const policy: RotationPolicy = { ...DEFAULT_POLICY, keys: ["ed25519"] };
  const { keys } = advance([], policy, new Date(Date.UTC(2026, 0, 1)));
  const later = new Date(Date.UTC(2026, 0, 10));
  expect(advance(keys, policy, later, { isPublished: () => false }).keys[0].state).toBe("pending");
  expect(advance(keys, policy, later, { isPublished: (s) => s === "e202601a" }).keys[0].state).toBe("active");
});

test("selector names skip reserved (hand-written) names and count on past z", () => {
  const policy: RotationPolicy = { ...DEFAULT_POLICY, keys: ["rsa-2048"] };
  const { keys } = advance([], policy, new Date(Date.UTC(2026, 10, 5)), { reserved: new Set(["s202611a", "s202611b"]) });
  expect(keys[0].selector).toBe("s202611c");
  expect([0, 24, 25, 26, 50].map(sequenceLabel)).toEqual(["a", "y", "za", "zb", "zza"]);
});

test("switching algorithms keeps the old key signing until the new one is active", () => {
  let policy: RotationPolicy = { ...DEFAULT_POLICY, keys: ["rsa-2048"] };
  const t0 = Date.UTC(2026, 0, 1);
  let keys = advance([], policy, new Date(t0)).keys;
  keys = advance(keys, policy, new Date(t0 + 3 * DAY)).keys;
  policy = { ...policy, keys: ["ed25519"] };
  keys = advance(keys, policy, new Date(t0 + 10 * DAY)).keys;
  expect(keys.map((k) => `${k.selector}:${k.state}`)).toEqual(["s202601a:active", "e202601a:pending"]);
  keys = advance(keys, policy, new Date(t0 + 13 * DAY)).keys;
  expect(keys.map((k) => `${k.selector}:${k.state}`)).toEqual(["s202601a:retiring", "e202601a:active"]);
});
