/**
 * What `validate` can say of the key store on this machine: every key the
 * lock publishes is there and is the lock's (checked), the public halves
 * agree but the private ones cannot be read here, or nothing could be
 * checked, and why. A store that disagrees with the lock, or lacks a key,
 * is a problem wherever it can be seen.
 */
import type { Lock } from "./lock";
import { inspectStore } from "./manage";
import { type KeyStore, StoreUnreachable } from "./store";

export interface StoreValidation {
  /** Where store and lock disagree, or a key is missing: errors. */
  readonly problems: string[];
  /** One line: what was checked, or that nothing was and why. */
  readonly summary: string;
  /** Keys that could not be compared here, each with why. */
  readonly unchecked: string[];
}

export async function validateStore(lock: Lock, store: KeyStore, lockFile: string): Promise<StoreValidation> {
  const notChecked = (why: string): StoreValidation => ({ problems: [], summary: `not checked: ${why}`, unchecked: [] });
  const unavailable = store.unavailable?.();
  if (unavailable) return notChecked(unavailable);
  try {
    const unsafe = await store.check();
    if (unsafe.length) return { problems: unsafe, summary: "", unchecked: [] };
    const seen = await inspectStore(lock, store, { requirePrivate: true, lockFile });
    const needed = lock.storeKeys().filter((e) => e.entry.state !== "removed").length;
    const publicOnly = store.publicOnly?.();
    const holds = `it holds the ${needed} key${needed === 1 ? "" : "s"} the lock publishes, ${needed === 1 ? "matching" : "each matching"} it`;
    const summary = publicOnly ? `public halves checked: ${holds}; private keys not read (${publicOnly})` : `ok: ${holds}`;
    return { problems: seen.problems, summary, unchecked: seen.unverified };
  } catch (e) {
    if (e instanceof StoreUnreachable) return notChecked(e.reasons.join("; "));
    throw e;
  }
}
