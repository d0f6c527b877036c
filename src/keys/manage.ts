/**
 * Key work around the lock and the key store: generating missing keys,
 * importing existing ones, and checking the two agree.
 */
import type { Config, Selector } from "../config/model";
import { isoSeconds } from "../time";
import { InputError, type Problem, ProblemsError } from "../config/problems";
import { fingerprint, generateKeyPairAsync, importPrivateKey, type KeyAlgorithm, type KeyPair, privateKeyFingerprint } from "../dkim/keys";
import type { Lock, LockEntry } from "./lock";
import type { KeyStore } from "./store";
import { type Clock, systemClock } from "../clock";
import { availableParallelism } from "node:os";
import { mapLimit } from "../map-limit";
import { commandHint } from "../command-hint";
import { missingSlotKeys, type SlotOrder } from "./slot-keys";

export interface KeyChange {
  /** The sender domain, or the customer of a slot's key. */
  readonly domain: string;
  /** The selector, or the customer's slot. */
  readonly selector: string;
  /** A customer slot's key (signing-provider mode). */
  readonly slot?: true;
  readonly algorithm: KeyAlgorithm;
  readonly fingerprint: string;
  readonly action: "generated" | "recovered" | "imported";
}

function generatedSelectors(config: Config): Selector[] {
  return config.domains.flatMap((d) => d.selectors.filter((s) => s.source.kind === "generated"));
}

/**
 * Problems where the lock and the store disagree: a stored key whose public
 * half is not the lock's, or one key under two selectors. A selector missing
 * from the store is reported only when `requirePrivate` (export needs every
 * key; synth needs none).
 */
export async function checkStore(lock: Lock, store: KeyStore, opts: { requirePrivate: boolean; lockFile: string }): Promise<string[]> {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const shared = (fp: string, who: string, where: string) => {
    const other = owners.get(fp);
    if (other && other !== who)
      problems.push(`${other} and ${who} have the same key in ${where}: a key belongs to one selector; give one of them a new selector`);
    else owners.set(fp, who);
  };
  const locked = new Map(lock.storeKeys().map((k) => [`${k.domain}/${k.name}`, k]));
  for (const [name, { entry }] of locked) shared(entry.fingerprint, name, opts.lockFile);
  owners.clear();
  const stored = await store.list();
  for (const { domain, selector } of stored) {
    const actual = await storedFingerprint(store, domain, selector);
    if (actual === undefined) continue;
    if (actual === UNREADABLE)
      problems.push(`${domain}/${selector}: the file in the key store ${store.description} is not a readable private key: restore it from the store's backup`);
    else shared(actual, `${domain}/${selector}`, `the key store ${store.description}`);
    const entry = locked.get(`${domain}/${selector}`)?.entry;
    if (entry && actual !== UNREADABLE && actual !== entry.fingerprint)
      problems.push(
        `${domain}/${selector}: the private key in ${store.description} does not match ${opts.lockFile} (lock ${entry.fingerprint}, store ${actual}): ` +
          "the two are from different copies; restore the matching pair, never edit either by hand",
      );
  }
  const held = new Set(stored.map((k) => `${k.domain}/${k.selector}`));
  // A removed key may be gone from the store (keys prune): only keys still published or signing must be there.
  if (opts.requirePrivate)
    for (const [name, { entry }] of locked)
      if (entry.state !== "removed" && !held.has(name))
        problems.push(
          `${name}: ${opts.lockFile} has its public key but the key store ${store.description} has no private key: ` +
            "restore the key store from its backup (or point --key-store at it), or publish a new selector",
        );
  return problems;
}

/** Throws when lock and store disagree: nothing may be written over such a pair. */
export async function assertStoreMatchesLock(lock: Lock, store: KeyStore, lockFile: string): Promise<void> {
  const mismatches = await checkStore(lock, store, { requirePrivate: false, lockFile });
  if (mismatches.length) throw new ProblemsError(mismatches);
}

const UNREADABLE = "unreadable key";

/**
 * A stored key's fingerprint as the store states it without the private half
 * (age: the public key beside the ciphertext, so no identity is needed), else
 * from the private key; undefined when the store has none or cannot tell.
 */
async function storedFingerprint(store: KeyStore, domain: string, selector: string): Promise<string | undefined> {
  if (store.fingerprint) return store.fingerprint(domain, selector);
  const pem = await store.get(domain, selector);
  return pem === undefined ? undefined : publicFingerprint(pem);
}

function publicFingerprint(pem: string): string {
  try {
    return privateKeyFingerprint(pem);
  } catch {
    return UNREADABLE;
  }
}

export interface WriteOptions {
  readonly clock?: Clock;
  /** Called before each write to the store (the project lock's assertHeld). */
  readonly beforeWrite?: () => void;
  /** Told after each key is made and stored. */
  readonly progress?: (done: number, total: number) => void;
}

/** A key to make for a selector. */
export interface KeyOrder {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
}

/**
 * Makes the keys on every core (off the main thread) and stores each as it
 * is made, create-only; returns the key each selector ended with, which is
 * another run's when that run stored one first.
 */
export async function generateAndStore<T extends KeyOrder>(
  orders: readonly T[],
  store: KeyStore,
  opts: WriteOptions,
): Promise<{ order: T; pair: KeyPair; adopted: boolean }[]> {
  let done = 0;
  return mapLimit(orders, availableParallelism(), async (order) => {
    const made = await generateKeyPairAsync(order.algorithm);
    const pair = await createOrAdopt(store, order.domain, order.selector, made, opts.beforeWrite);
    opts.progress?.(++done, orders.length);
    return { order, pair, adopted: pair !== made };
  });
}

/**
 * Generates a key for every generated selector and every customer slot that
 * has none, and adopts a stored key the lock lost (a reverted lock file or an interrupted run)
 * instead of replacing it. Everything is checked before anything is written;
 * then private keys go to the store, and the caller writes the lock, so a
 * crash between the two leaves keys that the next run recovers, never a
 * published key without its private half.
 */
export async function ensureKeys(config: Config, lock: Lock, store: KeyStore, opts: WriteOptions = {}): Promise<KeyChange[]> {
  await assertStoreMatchesLock(lock, store, config.lockFile);
  const clock = opts.clock ?? systemClock;
  const changes: KeyChange[] = [];
  const problems: Problem[] = [];
  const wanted: (KeyOrder & { sel: Selector })[] = [];
  for (const sel of generatedSelectors(config)) {
    const algorithm = (sel.source as { algorithm: KeyAlgorithm }).algorithm;
    const at = (message: string) => problems.push({ ...sel.position, path: `domains/${sel.domain}/selectors/${sel.name}`, message });
    const existing = lock.get(sel.domain, sel.name);
    if (existing) {
      if (existing.algorithm !== algorithm)
        at(`has a ${existing.algorithm} key in the lock but asks for ${algorithm}: a selector never gets a second key; add a new selector`);
      continue;
    }
    const stored = await store.get(sel.domain, sel.name);
    if (stored === undefined) {
      wanted.push({ sel, domain: sel.domain, selector: sel.name, algorithm });
      continue;
    }
    const pair = importPrivateKey(stored);
    if (pair.algorithm !== algorithm) {
      at(`the key store already has a ${pair.algorithm} key for this selector but domains.yaml asks for ${algorithm}: use a new selector name`);
      continue;
    }
    lock.set(sel.domain, sel.name, entryFor(pair, clock, "generated"));
    changes.push(change(sel, pair, "recovered"));
  }
  if (problems.length) throw new InputError(problems);
  const slots = await missingSlotKeys(config, lock, store);
  const addSlot = (order: SlotOrder, pair: KeyPair, action: KeyChange["action"]) => {
    lock.setSlotKey(order.customer, order.slot, { ...entryFor(pair, clock, "generated"), generation: order.generation });
    changes.push({ domain: order.customer, selector: order.slot, slot: true, algorithm: pair.algorithm, fingerprint: fingerprint(pair.publicKey), action });
  };
  for (const { order, pair } of slots.recovered) addSlot(order, pair, "recovered");

  const orders: (KeyOrder & ({ sel: Selector } | SlotOrder))[] = [...wanted, ...slots.orders];
  for (const { order, pair, adopted } of await generateAndStore(orders, store, opts)) {
    const action = adopted ? "recovered" : "generated";
    if ("sel" in order) {
      lock.set(order.domain, order.selector, entryFor(pair, clock, "generated"));
      changes.push(change(order.sel, pair, action));
    } else addSlot(order, pair, action);
  }
  return changes;
}

/**
 * Stores a new key; when the store got a key for the selector since it was
 * read (a run that shares the store), that key is the selector's key and is
 * returned instead: a selector never gets a second key.
 */
export async function createOrAdopt(store: KeyStore, domain: string, selector: string, pair: KeyPair, beforeWrite?: () => void): Promise<KeyPair> {
  beforeWrite?.();
  if (await store.create(domain, selector, pair.privateKeyPem)) return pair;
  const stored = await store.get(domain, selector);
  const theirs = stored === undefined ? undefined : importPrivateKey(stored);
  if (theirs?.algorithm !== pair.algorithm)
    throw new Error(
      `${domain}/${selector}: another run stored a ${theirs?.algorithm ?? "unreadable"} key for this selector while this one ran: run the command again`,
    );
  return theirs;
}

/** Adopts an existing private key (PEM) for a generated selector. */
export async function importKey(
  config: Config,
  lock: Lock,
  store: KeyStore,
  domain: string,
  selector: string,
  pem: string,
  opts: WriteOptions = {},
): Promise<KeyChange> {
  await assertStoreMatchesLock(lock, store, config.lockFile);
  const sel = generatedSelectors(config).find((s) => s.domain === domain && s.name === selector);
  if (!sel) {
    const all = config.domains.flatMap((d) => d.selectors).find((s) => s.domain === domain && s.name === selector);
    const customer = config.customers.some((c) => c.name === domain);
    throw new Error(
      all
        ? `${domain}/${selector} is a ${all.source.kind} selector; only generated selectors (no txt or cname) hold keys dkimctl manages`
        : customer
          ? `${domain} is a customer (signing-provider mode): its slots get their keys from ${commandHint("keys", config.invocation)}; ` +
            "keys import adopts keys of sender domains' selectors"
          : `${domain}/${selector} is not in ${config.file}: add it under domains.${domain}.selectors first`,
    );
  }
  if (lock.get(domain, selector) || (await store.get(domain, selector)) !== undefined)
    throw new Error(`${domain}/${selector} already has a key: a selector never gets a second key; import under a new selector`);
  const pair = importPrivateKey(pem);
  const wanted = (sel.source as { algorithm: KeyAlgorithm }).algorithm;
  if (pair.algorithm !== wanted)
    throw new Error(`the key is ${pair.algorithm} but domains.yaml declares ${domain}/${selector} as ${wanted}: set 'key: ${pair.algorithm}' on the selector`);
  lock.set(domain, selector, entryFor(pair, opts.clock ?? systemClock, "imported"));
  opts.beforeWrite?.();
  if (!(await store.create(domain, selector, pair.privateKeyPem)))
    throw new Error(
      `${domain}/${selector}: another run stored a key for this selector meanwhile: a selector never gets a second key; import under a new selector`,
    );
  return change(sel, pair, "imported");
}

function entryFor(pair: KeyPair, clock: Clock, origin: "generated" | "imported"): LockEntry {
  return {
    algorithm: pair.algorithm,
    publicKey: pair.publicKey,
    fingerprint: fingerprint(pair.publicKey),
    created: isoSeconds(clock.now()),
    ...(origin === "imported" ? { origin } : {}),
  };
}

function change(sel: Selector, pair: KeyPair, action: KeyChange["action"]): KeyChange {
  return { domain: sel.domain, selector: sel.name, algorithm: pair.algorithm, fingerprint: fingerprint(pair.publicKey), action };
}
