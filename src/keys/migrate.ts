/**
 * Moving keys to another store (`dkimctl keys migrate`): every key the lock
 * names is copied, create-only, and its fingerprint checked in the target
 * after the copy. The source is never changed.
 */
import { ProblemsError } from "../config/problems";
import { privateKeyFingerprint } from "../dkim/keys";
import type { Lock } from "./lock";
import { CannotTell, type KeyStore } from "./store";

export interface Migration {
  /** Copied into the target. */
  readonly copied: string[];
  /** Already in the target with the same key (a rerun, or an interrupted migration). */
  readonly present: string[];
  /** Copied, but the target cannot show its key here (an age store without an identity and without the .pub). */
  readonly unverified: string[];
}

/** What the target says the selector's key is, without trusting a copy it has not shown. */
async function targetFingerprint(to: KeyStore, domain: string, selector: string): Promise<string | undefined> {
  if (to.fingerprint) {
    try {
      return await to.fingerprint(domain, selector);
    } catch (e) {
      if (e instanceof CannotTell) return undefined;
      throw e;
    }
  }
  if (!to.canReadKeys()) return undefined;
  const pem = await to.get(domain, selector);
  return pem === undefined ? undefined : privateKeyFingerprint(pem);
}

export async function migrateKeys(lock: Lock, from: KeyStore, to: KeyStore, beforeWrite?: () => void): Promise<Migration> {
  if (from.description === to.description) throw new ProblemsError([`the target is the store the keys are in (${from.description}): name another store`]);
  // Read and check every key before writing one.
  const problems: string[] = [];
  const keys: { name: string; domain: string; selector: string; pem: string; fingerprint: string }[] = [];
  for (const { domain, name: selector, entry } of lock.storeKeys()) {
    const name = `${domain}/${selector}`;
    const pem = await from.get(domain, selector);
    if (pem === undefined) {
      if (entry.state !== "removed") problems.push(`${name}: the lock has it but ${from.description} has no private key: restore it before migrating`);
      continue;
    }
    if (privateKeyFingerprint(pem) !== entry.fingerprint)
      problems.push(`${name}: the key in ${from.description} does not match the lock: restore the matching pair before migrating`);
    else keys.push({ name, domain, selector, pem, fingerprint: entry.fingerprint });
  }
  if (problems.length) throw new ProblemsError(problems);

  const result: Migration = { copied: [], present: [], unverified: [] };
  for (const k of keys) {
    beforeWrite?.();
    const created = await to.create(k.domain, k.selector, k.pem);
    const there = await targetFingerprint(to, k.domain, k.selector);
    if (there !== undefined && there !== k.fingerprint)
      problems.push(
        `${k.name}: ${to.description} ${created ? "shows another key after the copy" : "already holds another key for it"} ` +
          `(${there}, lock ${k.fingerprint}): a selector never gets a second key; resolve it by hand`,
      );
    else if (!created && there === undefined)
      problems.push(`${k.name}: ${to.description} already holds a key for it that cannot be checked here: check it with an identity`);
    else (created ? (there === undefined ? result.unverified : result.copied) : result.present).push(k.name);
  }
  const copied = result.copied.length + result.unverified.length;
  if (problems.length)
    throw new ProblemsError(
      problems,
      copied
        ? `${copied} key${copied === 1 ? " was" : "s were"} copied to ${to.description} before these were found (the source and the lock are unchanged); ` +
            "fix them and run migrate again: it copies only what is missing"
        : "nothing was copied; the source and the lock are unchanged.",
    );
  return result;
}
