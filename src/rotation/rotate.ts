/**
 * `dkimctl rotate`: advances every rotated domain by its policy, generating
 * the keys of new pending selectors, and records the result in the lock.
 */
import type { Config } from "../config/model";
import { fingerprint, generateKeyPair, importPrivateKey } from "../dkim/keys";
import type { Lock, LockEntry } from "../keys/lock";
import { checkStore } from "../keys/manage";
import type { KeyStore } from "../keys/store";
import { rotatedKeys } from "../records";
import { advance, ManagedKey, nextChange, RotationEvent } from "./machine";

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
 * Advances the lock in place and puts new private keys in the store (before
 * the caller writes the lock, so a crash never leaves a published key
 * without its private half; a key the store already holds for a new name is
 * adopted, not replaced).
 */
export function rotate(config: Config, lock: Lock, store: KeyStore, opts: RotateOptions): DomainRotation[] {
  const mismatches = checkStore(lock, store, { requirePrivate: false, lockFile: config.lockFile });
  if (mismatches.length) throw new Error(mismatches.join("\n"));
  const out: DomainRotation[] = [];
  for (const domain of config.domains) {
    if (!domain.rotation || (opts.domains && !opts.domains.includes(domain.name))) continue;
    const current = rotatedKeys(lock, domain.name);
    const reserved = new Set([
      ...domain.selectors.map((s) => s.name),
      ...lock.entries().filter((e) => e.domain === domain.name && e.entry.state === undefined).map((e) => e.selector),
    ]);
    const managed: ManagedKey[] = current.map(({ selector, entry }) => ({ ...entry, selector, state: entry.state! }));
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
      const stored = store.get(domain.name, selector);
      const pair = stored !== undefined ? importPrivateKey(stored) : generateKeyPair(k.algorithm);
      if (pair.algorithm !== k.algorithm) throw new Error(`${domain.name}/${selector}: the key store holds a ${pair.algorithm} key under this new selector name; move it away and run rotate again`);
      if (stored === undefined) store.put(domain.name, selector, pair.privateKeyPem);
      const entry: LockEntry = { ...lifecycle, algorithm: k.algorithm, publicKey: pair.publicKey, fingerprint: fingerprint(pair.publicKey) };
      lock.set(domain.name, selector, entry);
    }
    out.push({ domain: domain.name, events, next: nextChange(keys, domain.rotation) });
  }
  return out;
}
