/**
 * `dkimctl rotate`: advances every rotated domain by its policy, generating
 * the keys of new pending selectors, and records the result in the lock.
 */
import type { Config } from "../config/model";
import { fingerprint, importPrivateKey, type KeyPair } from "../dkim/keys";
import type { Lock, LockEntry } from "../keys/lock";
import { generateKeys } from "../keys/generate";
import { assertStoreMatchesLock, type WriteOptions } from "../keys/manage";
import { marksRemoved } from "../keys/store";
import { isoSeconds } from "../time";
import type { KeyStore } from "../keys/store";
import { advance, type ManagedKey, nextChange, type RotationEvent } from "./machine";

export interface DomainRotation {
  readonly domain: string;
  readonly events: readonly RotationEvent[];
  /** When the domain's keys next change if nothing else does. */
  readonly next?: Date;
}

export interface RotateOptions {
  readonly now: Date;
  /** Only these domains (published form). @default every rotated domain */
  readonly domains?: readonly string[];
  readonly force?: boolean;
  /** Whether a pending selector's record is seen in DNS (rotate --verify). */
  readonly isPublished?: (domain: string, selector: string) => boolean;
}

/**
 * Advances the lock in place and puts new private keys in the store. Every
 * check runs before anything is written; keys go to the store before the
 * caller writes the lock, so a crash never leaves a published key without
 * its private half (a key the store already holds for a new name is adopted,
 * not replaced).
 */
export async function rotate(config: Config, lock: Lock, store: KeyStore, opts: RotateOptions & WriteOptions): Promise<DomainRotation[]> {
  await assertStoreMatchesLock(lock, store, config.lockFile, opts);
  refuseTimeTravel(lock, opts.now);
  const out: DomainRotation[] = [];
  const fresh: { domain: string; selector: string; lifecycle: Omit<ManagedKey, "selector"> }[] = [];
  for (const domain of config.domains) {
    if (!domain.rotation || (opts.domains && !opts.domains.includes(domain.name))) continue;
    const current = lock.rotated(domain.name);
    const reserved = new Set([
      ...domain.selectors.map((s) => s.name),
      ...lock
        .entries()
        .filter((e) => e.domain === domain.name && e.entry.state === undefined)
        .map((e) => e.selector),
    ]);
    const managed: ManagedKey[] = current.map(({ selector, entry }) => ({ ...entry, selector }));
    const { keys, events } = advance(managed, domain.rotation, opts.now, {
      force: opts.force,
      reserved,
      ...(opts.isPublished ? { isPublished: (s: string) => opts.isPublished!(domain.name, s) } : {}),
    });
    for (const k of keys) {
      const before = lock.get(domain.name, k.selector);
      const { selector, ...lifecycle } = k;
      if (before) {
        lock.set(domain.name, selector, { ...before, ...lifecycle });
        continue;
      }
      const stored = await store.get(domain.name, selector);
      if (stored === undefined) {
        fresh.push({ domain: domain.name, selector, lifecycle });
        continue;
      }
      const pair = importPrivateKey(stored);
      if (pair.algorithm !== k.algorithm)
        throw new Error(
          `${domain.name}/${selector}: the key store holds a ${pair.algorithm} key under this new selector name; move it away and run rotate again`,
        );
      lock.set(domain.name, selector, entryOf(lifecycle, pair));
    }
    out.push({ domain: domain.name, events, next: nextChange(keys, domain.rotation) });
  }
  const orders = fresh.map((f) => ({ ...f, algorithm: f.lifecycle.algorithm }));
  for (const { order, pair } of await generateKeys(orders, store, opts)) lock.set(order.domain, order.selector, entryOf(order.lifecycle, pair));
  // A removed key stays in the store, tagged, until `dkimctl keys prune` (never deleted here).
  if (marksRemoved(store))
    for (const { domain, events } of out)
      for (const e of events.filter((e) => e.to === "removed")) {
        opts.beforeWrite?.();
        await store.markRemoved(domain, e.selector, opts.now);
      }
  return out;
}

function entryOf(lifecycle: Omit<ManagedKey, "selector">, pair: KeyPair): LockEntry {
  return { ...lifecycle, algorithm: pair.algorithm, publicKey: pair.publicKey, fingerprint: fingerprint(pair.publicKey) };
}

/**
 * A lifecycle only moves forward (a rotated domain's or a customer slot's):
 * a time before the lock's latest event (a wrong --now, a runner's clock
 * behind) would write times out of order, which every later command refuses.
 */
function refuseTimeTravel(lock: Lock, now: Date): void {
  let latest: string | undefined;
  // A selector written in domains.yaml has no lifecycle, nor has a slot's key before rotate first sees it.
  for (const { entry } of [...lock.entries(), ...lock.slotKeys()]) {
    if (entry.state === undefined) continue;
    for (const t of [entry.created, entry.activated, entry.retired, entry.revoked, entry.removed])
      if (t !== undefined && (latest === undefined || Date.parse(t) > Date.parse(latest))) latest = t;
  }
  if (latest !== undefined && Math.floor(now.getTime() / 1000) * 1000 < Date.parse(latest))
    throw new Error(
      `the lock records a rotation at ${latest}, later than the time of this run (${isoSeconds(now)}): ` +
        `a key's lifecycle never goes back in time; check the machine's clock, or give a --now at or after ${latest}`,
    );
}
