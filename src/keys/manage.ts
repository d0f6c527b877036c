/**
 * Key work around the lock and the key store: generating missing keys,
 * importing existing ones, and checking the two agree.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { Config, Selector } from "../config/model";
import { isoSeconds } from "../time";
import { InputError, Problem } from "../config/problems";
import { fingerprint, generateKeyPair, importPrivateKey, KeyAlgorithm, KeyPair, publicKeyValue } from "../dkim/keys";
import type { Lock, LockEntry } from "./lock";
import type { KeyStore } from "./store";

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** ISO 8601 UTC to the second. */
export function timestamp(clock: Clock): string {
  return isoSeconds(clock());
}

export interface KeyChange {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly fingerprint: string;
  readonly action: "generated" | "recovered" | "imported";
}

function generatedSelectors(config: Config): Selector[] {
  return config.domains.flatMap((d) => d.selectors.filter((s) => s.source.kind === "generated"));
}

/**
 * Problems where the lock and the store disagree: a stored key whose public
 * half is not the lock's. A selector missing from the store is reported only
 * when `requirePrivate` (export needs every key; synth needs none).
 */
export function checkStore(lock: Lock, store: KeyStore, opts: { requirePrivate: boolean; lockFile: string }): string[] {
  const problems: string[] = [];
  for (const { domain, selector, entry } of lock.entries()) {
    const pem = store.get(domain, selector);
    if (pem === undefined) {
      if (opts.requirePrivate)
        problems.push(`${domain}/${selector}: ${opts.lockFile} has its public key but the key store ${store.description} has no private key: restore the key store from its backup (or point --key-store at it), or publish a new selector`);
      continue;
    }
    const actual = publicFingerprint(pem);
    if (actual !== entry.fingerprint)
      problems.push(`${domain}/${selector}: the private key in ${store.description} does not match ${opts.lockFile} (lock ${entry.fingerprint}, store ${actual}): the two are from different copies; restore the matching pair, never edit either by hand`);
  }
  return problems;
}

function publicFingerprint(pem: string): string {
  try {
    return fingerprint(publicKeyValue(createPublicKey(createPrivateKey(pem))));
  } catch {
    return "unreadable key";
  }
}

/**
 * Generates a key for every generated selector that has none, and adopts a
 * stored key the lock lost (a reverted lock file) instead of replacing it.
 * Writes private keys to the store before the lock, so a crash between the
 * two leaves a key that the next run recovers, never a published key without
 * its private half.
 */
export function ensureKeys(config: Config, lock: Lock, store: KeyStore, clock: Clock = systemClock): KeyChange[] {
  const mismatches = checkStore(lock, store, { requirePrivate: false, lockFile: config.lockFile });
  if (mismatches.length) throw new Error(mismatches.join("\n"));
  const changes: KeyChange[] = [];
  const problems: Problem[] = [];
  for (const sel of generatedSelectors(config)) {
    const algorithm = (sel.source as { algorithm: KeyAlgorithm }).algorithm;
    const existing = lock.get(sel.domain, sel.name);
    if (existing) {
      if (existing.algorithm !== algorithm)
        problems.push({ ...sel.position, path: `domains/${sel.domain}/selectors/${sel.name}`, message: `has a ${existing.algorithm} key in the lock but asks for ${algorithm}: a selector never gets a second key; add a new selector` });
      continue;
    }
    const stored = store.get(sel.domain, sel.name);
    if (stored !== undefined) {
      const pair = importPrivateKey(stored);
      if (pair.algorithm !== algorithm) {
        problems.push({ ...sel.position, path: `domains/${sel.domain}/selectors/${sel.name}`, message: `the key store already has a ${pair.algorithm} key for this selector but domains.yaml asks for ${algorithm}: use a new selector name` });
        continue;
      }
      lock.set(sel.domain, sel.name, entryFor(pair, clock, "generated"));
      changes.push(change(sel, pair, "recovered"));
      continue;
    }
    const pair = generateKeyPair(algorithm);
    store.put(sel.domain, sel.name, pair.privateKeyPem);
    lock.set(sel.domain, sel.name, entryFor(pair, clock, "generated"));
    changes.push(change(sel, pair, "generated"));
  }
  if (problems.length) throw new InputError(problems);
  return changes;
}

/** Adopts an existing private key (PEM) for a generated selector. */
export function importKey(config: Config, lock: Lock, store: KeyStore, domain: string, selector: string, pem: string, clock: Clock = systemClock): KeyChange {
  const sel = generatedSelectors(config).find((s) => s.domain === domain && s.name === selector);
  if (!sel) {
    const all = config.domains.flatMap((d) => d.selectors).find((s) => s.domain === domain && s.name === selector);
    throw new Error(
      all
        ? `${domain}/${selector} is a ${all.source.kind} selector; only generated selectors (no txt or cname) hold keys dkimctl manages`
        : `${domain}/${selector} is not in ${config.file}: add it under domains.${domain}.selectors first`,
    );
  }
  if (lock.get(domain, selector) || store.get(domain, selector) !== undefined)
    throw new Error(`${domain}/${selector} already has a key: a selector never gets a second key; import under a new selector`);
  const pair = importPrivateKey(pem);
  const wanted = (sel.source as { algorithm: KeyAlgorithm }).algorithm;
  if (pair.algorithm !== wanted)
    throw new Error(`the key is ${pair.algorithm} but domains.yaml declares ${domain}/${selector} as ${wanted}: set 'key: ${pair.algorithm}' on the selector`);
  store.put(domain, selector, pair.privateKeyPem);
  lock.set(domain, selector, entryFor(pair, clock, "imported"));
  return change(sel, pair, "imported");
}

function entryFor(pair: KeyPair, clock: Clock, origin: "generated" | "imported"): LockEntry {
  return {
    algorithm: pair.algorithm,
    publicKey: pair.publicKey,
    fingerprint: fingerprint(pair.publicKey),
    created: timestamp(clock),
    ...(origin === "imported" ? { origin } : {}),
  };
}

function change(sel: Selector, pair: KeyPair, action: KeyChange["action"]): KeyChange {
  return { domain: sel.domain, selector: sel.name, algorithm: pair.algorithm, fingerprint: fingerprint(pair.publicKey), action };
}
