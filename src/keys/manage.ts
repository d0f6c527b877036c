/**
 * Key work around the lock and the key store: generating missing keys,
 * importing existing ones, and checking the two agree.
 */
import type { Config, Selector } from "../config/model";
import { isoSeconds } from "../time";
import { InputError, type Problem, ProblemsError } from "../config/problems";
import { fingerprint, importPrivateKey, type KeyAlgorithm, type KeyPair, privateKeyFingerprint } from "../dkim/keys";
import type { Lock, LockEntry } from "./lock";
import { CannotTell, type KeyStore } from "./store";
import { type Clock, systemClock } from "../clock";
import { type GenerateOptions, generateKeys, type KeyOrder } from "./generate";
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

/** What a look at the store against the lock found. */
export interface StoreInspection {
  /** Where lock and store disagree, each with what to do. */
  readonly problems: string[];
  /** Keys the store holds that could not be compared here (age: no .pub and no identity), each with why. */
  readonly unverified: string[];
  /** How many stored keys were compared with the lock. */
  readonly compared: number;
  /** `domain/selector` of every key the store holds. */
  readonly held: ReadonlySet<string>;
}

/**
 * Problems where the lock and the store disagree: a stored key whose public
 * half is not the lock's, or one key under two selectors. A selector missing
 * from the store is reported only when `requirePrivate` (export needs every
 * key; synth needs none), with the fix for this kind of store.
 */
export async function inspectStore(lock: Lock, store: KeyStore, opts: { requirePrivate: boolean; lockFile: string }): Promise<StoreInspection> {
  const problems: string[] = [];
  const unverified: string[] = [];
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
  const held = new Set<string>();
  let compared = 0;
  for (const { domain, selector } of stored) {
    const actual = await storedFingerprint(store, domain, selector);
    if (actual === undefined) continue; // gone since it was listed
    held.add(`${domain}/${selector}`);
    if (typeof actual === "object") {
      unverified.push(`${domain}/${selector}: ${actual.unknown}`);
      continue;
    }
    compared++;
    if (actual === UNREADABLE) {
      problems.push(`${domain}/${selector}: the key in ${store.description} is not a readable private key: ${await store.missingKeyHint(domain, selector)}`);
      continue;
    }
    shared(actual, `${domain}/${selector}`, `the key store ${store.description}`);
    const entry = locked.get(`${domain}/${selector}`)?.entry;
    if (entry && actual !== entry.fingerprint)
      problems.push(
        `${domain}/${selector}: the private key in ${store.description} does not match ${opts.lockFile} (lock ${entry.fingerprint}, store ${actual}): ` +
          "the two are from different copies; restore the matching pair, never edit either by hand",
      );
  }
  // A removed key may be gone from the store (keys prune): only keys still published or signing must be there.
  if (opts.requirePrivate)
    for (const [address, { domain, name, entry }] of locked) {
      if (entry.state === "removed" || held.has(address)) continue;
      const hint = await store.missingKeyHint(domain, name);
      problems.push(`${address}: ${opts.lockFile} has its public key but ${store.description} has no private key for it: ${hint}`);
    }
  return { problems, unverified, compared, held };
}

/** The problems of inspectStore. */
export async function checkStore(lock: Lock, store: KeyStore, opts: { requirePrivate: boolean; lockFile: string }): Promise<string[]> {
  return (await inspectStore(lock, store, opts)).problems;
}

/**
 * Before a command writes: throws when lock and store disagree, or when the
 * store lacks a private key the lock publishes (a missing key is an error,
 * never a warning: no key may become active, nor stay published, without
 * it); then lets the store bring its marks in line with the lock.
 */
export async function assertStoreMatchesLock(lock: Lock, store: KeyStore, lockFile: string, opts: WriteOptions = {}): Promise<ReadonlySet<string>> {
  const seen = await inspectStore(lock, store, { requirePrivate: true, lockFile });
  if (seen.problems.length) throw new ProblemsError(seen.problems);
  for (const note of (await store.reconcile?.(lock, opts.beforeWrite)) ?? []) opts.notice?.(note);
  return seen.held;
}

const UNREADABLE = "unreadable key";

/**
 * A stored key's fingerprint as the store states it without the private half
 * (age: the public key beside the ciphertext, so no identity is needed), else
 * from the private key; undefined when the store has none, `{ unknown }` when
 * it cannot tell here.
 */
async function storedFingerprint(store: KeyStore, domain: string, selector: string): Promise<string | { unknown: string } | undefined> {
  if (store.fingerprint) {
    try {
      return await store.fingerprint(domain, selector);
    } catch (e) {
      if (e instanceof CannotTell) return { unknown: e.message };
      throw e;
    }
  }
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

export interface WriteOptions extends GenerateOptions {
  readonly clock?: Clock;
  /** Told what the store changed to agree with the lock (see KeyStore.reconcile). */
  readonly notice?: (text: string) => void;
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
  const held = await assertStoreMatchesLock(lock, store, config.lockFile, opts);
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
    // The store was listed just now: only a key it holds is read (50,000 new selectors cost no read each).
    const stored = held.has(`${sel.domain}/${sel.name}`) ? await store.get(sel.domain, sel.name) : undefined;
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
  const slots = await missingSlotKeys(config, lock, store, held);
  const addSlot = (order: SlotOrder, pair: KeyPair, action: KeyChange["action"]) => {
    lock.setSlotKey(order.customer, order.slot, { ...entryFor(pair, clock, "generated"), generation: order.generation });
    changes.push({ domain: order.customer, selector: order.slot, slot: true, algorithm: pair.algorithm, fingerprint: fingerprint(pair.publicKey), action });
  };
  for (const { order, pair } of slots.recovered) addSlot(order, pair, "recovered");

  const orders: (KeyOrder & ({ sel: Selector } | SlotOrder))[] = [...wanted, ...slots.orders];
  for (const { order, pair, adopted } of await generateKeys(orders, store, opts)) {
    const action = adopted ? "recovered" : "generated";
    if ("sel" in order) {
      lock.set(order.domain, order.selector, entryFor(pair, clock, "generated"));
      changes.push(change(order.sel, pair, action));
    } else addSlot(order, pair, action);
  }
  return changes;
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
  await assertStoreMatchesLock(lock, store, config.lockFile, opts);
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
