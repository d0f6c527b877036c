/**
 * Making many keys: generated on every core (libuv's pool makes and encodes
 * each key off the main thread) and stored in batches, each batch's
 * durability work done once (see KeyStore.createMany), a batch generated
 * while the one before is written. Used by `keys` and `rotate`, and by
 * anything that makes keys in bulk: progress is told per stored key, and
 * since every key is in the store before any lock names it, a run stopped
 * at any point is resumed by the next, which adopts what was stored.
 */
import { availableParallelism } from "node:os";
import { generateKeyPairAsync, importPrivateKey, type KeyAlgorithm, type KeyPair } from "../dkim/keys";
import { mapLimit } from "../map-limit";
import type { KeyStore } from "./store";

/** A key to make for a selector. */
export interface KeyOrder {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
}

export interface GenerateOptions {
  /** Called before each write to the store (the project lock's assertHeld). */
  readonly beforeWrite?: () => void;
  /** Told after each batch is stored: keys stored so far, of the total. */
  readonly progress?: (done: number, total: number) => void;
  /** Keys per batch. @default 1,000 */
  readonly batchSize?: number;
}

/** What a selector ended with: the key made here, or (`adopted`) the one another run stored first. */
export interface Generated<T> {
  readonly order: T;
  readonly pair: KeyPair;
  readonly adopted: boolean;
}

/**
 * Makes a key for each order and stores it, create-only; returns the key
 * each selector ended with, in order. A selector never gets a second key:
 * where the store got one meanwhile, that key is returned instead.
 */
export async function generateKeys<T extends KeyOrder>(orders: readonly T[], store: KeyStore, opts: GenerateOptions = {}): Promise<Generated<T>[]> {
  const size = Math.max(1, opts.batchSize ?? 1000);
  const batches: T[][] = [];
  for (let i = 0; i < orders.length; i += size) batches.push(orders.slice(i, i + size));
  const make = (batch: readonly T[]) => mapLimit(batch, Math.max(4, availableParallelism() * 2), (o) => generateKeyPairAsync(o.algorithm));
  const out: Generated<T>[] = [];
  let next = batches.length ? make(batches[0]) : undefined;
  for (const [b, batch] of batches.entries()) {
    const pairs = await next!;
    next = b + 1 < batches.length ? make(batches[b + 1]) : undefined;
    opts.beforeWrite?.();
    const keys = batch.map((o, i) => ({ domain: o.domain, selector: o.selector, privateKeyPem: pairs[i].privateKeyPem }));
    const created = store.createMany
      ? await store.createMany(keys)
      : await mapLimit(keys, availableParallelism(), (k) => store.create(k.domain, k.selector, k.privateKeyPem));
    for (const [i, order] of batch.entries())
      out.push(created[i] ? { order, pair: pairs[i], adopted: false } : { order, pair: await adopt(store, order, pairs[i]), adopted: true });
    opts.progress?.(out.length, orders.length);
  }
  return out;
}

/** The key another run stored for the selector while this one made its own: the selector's key. */
export async function adopt(store: KeyStore, order: KeyOrder, mine: KeyPair): Promise<KeyPair> {
  const stored = await store.get(order.domain, order.selector);
  const theirs = stored === undefined ? undefined : importPrivateKey(stored);
  if (theirs?.algorithm !== mine.algorithm)
    throw new Error(
      `${order.domain}/${order.selector}: another run stored a ${theirs?.algorithm ?? "unreadable"} key for this selector while this one ran: ` +
        "run the command again",
    );
  return theirs;
}
