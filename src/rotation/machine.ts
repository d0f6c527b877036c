/**
 * The key lifecycle of a rotated domain, as a pure function of the keys, the
 * policy and the time:
 *
 *   pending --publishAhead--> active --(next key active)--> retiring
 *     --retireAfter--> revoked (empty p=) --revokeFor--> removed (no record)
 *
 * DNS publishes pending, active and retiring keys, and the empty record of
 * revoked ones. The next key is made `publishAhead` before the active key is
 * `every` old, so it has been published long enough when its turn comes.
 */
import type { KeyAlgorithm } from "../dkim/keys";
import { formatDuration } from "../duration";
import { isoSeconds } from "../time";
import { nextSelector, type RotationPolicy } from "../config/rotation-policy";
import type { KeyState } from "../lifecycle";

export interface ManagedKey {
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly state: KeyState;
  /** Made and published (ISO 8601). */
  readonly created: string;
  readonly activated?: string;
  readonly retired?: string;
  readonly revoked?: string;
  readonly removed?: string;
}

export interface RotationEvent {
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly from?: KeyState;
  readonly to: KeyState;
  readonly why: string;
}

export interface AdvanceOptions {
  /** Start a rotation now (suspected compromise): make the next key even if the active one is young. */
  readonly force?: boolean;
  /** Selector names that exist outside these keys (hand-written ones); never chosen. */
  readonly reserved?: ReadonlySet<string>;
  /** Whether a pending key is seen in DNS (`rotate --verify`); a key not seen is not promoted. @default every key counts as published */
  readonly isPublished?: (selector: string) => boolean;
}

const since = (t: string | undefined, now: Date) => (t === undefined ? 0 : now.getTime() - Date.parse(t));

/**
 * Advances the keys of one domain to `now`. Each key moves at most one step
 * per call, so every phase lasts at least one deploy. Returns the new keys
 * (new pending keys have no key material yet: the caller generates it) and
 * what changed.
 */
export function advance(
  keys: readonly ManagedKey[],
  policy: RotationPolicy,
  clock: Date,
  opts: AdvanceOptions = {},
): { keys: ManagedKey[]; events: RotationEvent[] } {
  // The lock records whole seconds; decide on the same time that is recorded.
  const now = new Date(Math.floor(clock.getTime() / 1000) * 1000);
  const t = isoSeconds(now);
  const events: RotationEvent[] = [];
  const next = keys.map((k) => ({ ...k }));
  const move = (i: number, to: KeyState, why: string, stamp: Partial<ManagedKey>) => {
    events.push({ selector: next[i].selector, algorithm: next[i].algorithm, from: next[i].state, to, why });
    next[i] = { ...next[i], state: to, ...stamp };
  };
  const moved = new Set<number>();

  // 1. Old keys age out: retiring -> revoked -> removed.
  next.forEach((k, i) => {
    if (k.state === "retiring" && since(k.retired, now) >= policy.retireAfter) {
      move(i, "revoked", `retiring for ${formatDuration(policy.retireAfter)}`, { revoked: t });
      moved.add(i);
    } else if (k.state === "revoked" && since(k.revoked, now) >= policy.revokeFor) {
      move(i, "removed", `revoked for ${formatDuration(policy.revokeFor)}`, { removed: t });
      moved.add(i);
    }
  });

  // 2. Pending keys published long enough take over; the key they replace retires.
  for (const algorithm of policy.keys) {
    const pi = next.findIndex((k) => k.algorithm === algorithm && k.state === "pending");
    if (pi < 0 || since(next[pi].created, now) < policy.publishAhead) continue;
    if (opts.isPublished && !opts.isPublished(next[pi].selector)) continue;
    next.forEach((k, i) => {
      if (k.algorithm === algorithm && k.state === "active") move(i, "retiring", `replaced by ${next[pi].selector}`, { retired: t });
    });
    move(pi, "active", `published for ${formatDuration(since(next[pi].created, now))}`, { activated: t });
    moved.add(pi);
  }

  // 3. Algorithms the policy no longer lists: a pending key never signed, so
  // it goes at once; the active key retires once another algorithm signs.
  const anotherActive = (algorithm: KeyAlgorithm) => next.some((k) => k.state === "active" && k.algorithm !== algorithm && policy.keys.includes(k.algorithm));
  next.forEach((k, i) => {
    if (policy.keys.includes(k.algorithm) || moved.has(i)) return;
    if (k.state === "pending") move(i, "removed", `${k.algorithm} is no longer in the policy's keys`, { removed: t });
    else if (k.state === "active" && anotherActive(k.algorithm)) move(i, "retiring", `${k.algorithm} is no longer in the policy's keys`, { retired: t });
  });

  // 4. Make the next key ahead of time.
  const used = new Set([...(opts.reserved ?? []), ...next.map((k) => k.selector)]);
  for (const algorithm of policy.keys) {
    if (next.some((k) => k.algorithm === algorithm && k.state === "pending")) continue;
    const active = next.find((k) => k.algorithm === algorithm && k.state === "active");
    const due = active === undefined || since(active.activated, now) >= policy.every - policy.publishAhead;
    if (!due && !opts.force) continue;
    const selector = nextSelector(policy.selector, algorithm, now, used);
    used.add(selector);
    next.push({ selector, algorithm, state: "pending", created: t });
    const why = active === undefined ? "first key" : opts.force && !due ? "rotation forced" : `${active.selector} is due for rotation`;
    events.push({ selector, algorithm, to: "pending", why });
  }
  return { keys: next, events };
}

/** When the keys will next change under the policy (for `rotate` to report), or undefined. */
export function nextChange(keys: readonly ManagedKey[], policy: RotationPolicy): Date | undefined {
  const times: number[] = [];
  for (const k of keys) {
    if (k.state === "pending") times.push(Date.parse(k.created) + policy.publishAhead);
    if (k.state === "active" && !keys.some((o) => o.algorithm === k.algorithm && o.state === "pending"))
      times.push(Date.parse(k.activated!) + policy.every - policy.publishAhead);
    if (k.state === "retiring") times.push(Date.parse(k.retired!) + policy.retireAfter);
    if (k.state === "revoked") times.push(Date.parse(k.revoked!) + policy.revokeFor);
  }
  return times.length ? new Date(Math.min(...times)) : undefined;
}
