/**
 * Key stores hold the private halves. The embedded default is a local
 * directory: `<dir>/<domain>/<selector>.pem`, directories 0700, files 0600,
 * every write atomic and create-only.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { commandHint } from "../command-hint";
import { ProblemsError } from "../config/problems";
import { createFileExclusive, createFilesExclusive, isTempFile, mkdirPrivate, removeOrphanedTemps } from "./atomic";
import type { Lock } from "./lock";

/**
 * What every key store promises: a selector never gets a second key
 * (`create` never replaces), writes are atomic, and nothing it says holds key
 * material.
 */
export interface KeyStore {
  /** Shown in messages, e.g. the directory. */
  readonly description: string;
  /**
   * A directory that must never receive an export (the store's own), if any.
   */
  readonly directory?: string;
  /**
   * Whether this machine can read the private keys without contacting
   * anything (a local directory that exists, an age identity at hand);
   * `validate` compares the store with the lock only then.
   */
  canReadKeys(): boolean;
  /** Every reason the store is unsafe to use (loose permissions, links); empty when it is fine. */
  check(): Promise<string[]>;
  /**
   * Checks that the store is safe to use and completes what an interrupted
   * run left behind. Throws an Error listing every problem. Called under the
   * project lock before a command writes.
   */
  open(): Promise<void>;
  /** PKCS#8 PEM, or undefined when the store has no key for the selector. */
  get(domain: string, selector: string): Promise<string | undefined>;
  /**
   * The lock's fingerprint of the key stored for a selector, read without its
   * private half (age: the public key beside the ciphertext), so that lock
   * and store are checked where private keys cannot be read; undefined when
   * the store has no key or cannot tell. Stores without it are checked by `get`.
   */
  fingerprint?(domain: string, selector: string): Promise<string | undefined>;
  /** Stores a new key. Returns false, changing nothing, when the store already has one for the selector. */
  create(domain: string, selector: string, privateKeyPem: string): Promise<boolean>;
  /**
   * `create` for many keys, with the durability work batched (see
   * createFilesExclusive); returns, per key, whether it was stored. Stores
   * without it are written key by key.
   */
  createMany?(keys: readonly NewKey[]): Promise<boolean[]>;
  list(): Promise<{ domain: string; selector: string }[]>;
  /** What to do about a key the lock has and the store lacks: the fix for this kind of store. */
  missingKeyHint(domain: string, selector: string): Promise<string>;
  /** Why this machine cannot check the store at all (e.g. the local directory is not here), or undefined. */
  unavailable?(): string | undefined;
  /** Why the private halves cannot be read here although the public halves were checked (age without an identity), or undefined. */
  publicOnly?(): string | undefined;
  /**
   * Brings the store's own marks in line with the lock before a command
   * writes (Secrets Manager: marks this project's keys, unmarks keys in use
   * again); returns a line for each change.
   */
  reconcile?(lock: Lock, beforeWrite?: () => void): Promise<string[]>;
}

/** A key to store. */
export interface NewKey {
  readonly domain: string;
  readonly selector: string;
  readonly privateKeyPem: string;
}

/** A key as the store lists it, without its private half. */
export interface StoredKey {
  readonly domain: string;
  readonly selector: string;
  /** The fingerprint tag written with the key (not checked against the key itself). */
  readonly fingerprint?: string;
  /** When the key was marked removed (its `dkimctl:removed` tag), if it was. */
  readonly removed?: Date;
  /** Whose key it is: this project's, another project's, or not marked (stored before projects were). */
  readonly owner?: "ours" | "other" | "unclaimed";
}

/**
 * A store that keeps a removed key, marked, until `dkimctl keys prune`
 * deletes it; deletion is never part of any other command.
 */
export interface RemovalMarks {
  /** Every key with its marks. */
  inventory(): Promise<StoredKey[]>;
  /** As KeyStore.reconcile: marks the keys the lock proves are this project's; unmarks keys in use. */
  reconcile(lock: Lock, beforeWrite?: () => void): Promise<string[]>;
  /** Marks the key removed at `at`; false when the store has no such key. */
  markRemoved(domain: string, selector: string, at: Date): Promise<boolean>;
  unmarkRemoved(domain: string, selector: string): Promise<boolean>;
  /**
   * Deletes the key, recoverable for `recoveryWindowDays` (7 to 30), never
   * without recovery; returns how to recover it.
   */
  deleteRemoved(domain: string, selector: string, recoveryWindowDays: number): Promise<string>;
}

export const marksRemoved = (store: KeyStore): store is KeyStore & RemovalMarks => "markRemoved" in store && "deleteRemoved" in store;

/** Thrown for a store that is unsafe or unusable; each reason says what to do. */
export class KeyStoreError extends ProblemsError {}

/** Thrown when the store cannot be reached or read at all here (no credentials, no network, no permission): nothing about its keys is known. */
export class StoreUnreachable extends KeyStoreError {}

/** Thrown by `fingerprint` when the store holds a key but cannot tell which here (age: no .pub and no identity); the message says why. */
export class CannotTell extends Error {}

const octal = (mode: number) => (mode & 0o777).toString(8);

/**
 * The local store's directory: `--key-store`, else `$DKIMCTL_KEY_STORE`, else
 * `configured` (domains.yaml's keyStore.local.dir, default `.dkim/keys/`
 * beside the config). An explicit directory must be a directory, or a new
 * one in a directory that exists.
 */
export function localKeyStore(configured: string, explicit?: string, invocation?: readonly string[]): LocalKeyStore {
  const given = explicit ?? process.env.DKIMCTL_KEY_STORE;
  const dir = resolve(given ?? configured);
  const from = explicit !== undefined ? "--key-store" : "DKIMCTL_KEY_STORE";
  if (given !== undefined && given.trim() === "") throw new KeyStoreError([`${from} is empty: give the key store directory`]);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new KeyStoreError([`the key store ${dir} (${given !== undefined ? from : "default"}) is not a directory: point ${from} at a directory`]);
  if (given !== undefined && !existsSync(dir) && !existsSync(dirname(dir)))
    throw new KeyStoreError([`the key store ${dir} (${from}) is in a directory that does not exist (${dirname(dir)}): create it, or fix ${from}`]);
  return new LocalKeyStore(dir, invocation);
}

export class LocalKeyStore implements KeyStore {
  /** `invocation`: the options the user gave (Config.invocation), repeated in the hints that name a command. */
  constructor(
    readonly dir: string,
    private readonly invocation?: readonly string[],
  ) {}

  get description(): string {
    return this.dir;
  }

  get directory(): string {
    return this.dir;
  }

  canReadKeys(): boolean {
    return existsSync(this.dir);
  }

  private path(domain: string, selector: string): string {
    return join(this.dir, domain, `${selector}.pem`);
  }

  async open(): Promise<void> {
    const problems = await this.check();
    if (problems.length) throw new KeyStoreError(problems);
    removeOrphanedTemps(this.dir);
  }

  /** Every reason the store is unsafe: loose permissions, links, files that are not keys' files. */
  async check(): Promise<string[]> {
    if (!existsSync(this.dir)) return [];
    const problems = [...this.dirProblems(this.dir, true)];
    if (problems.length) return problems;
    for (const domain of readdirSync(this.dir).sort()) {
      const d = join(this.dir, domain);
      const dirWhy = this.dirProblems(d, false);
      if (dirWhy.length) {
        problems.push(...dirWhy);
        continue;
      }
      for (const f of readdirSync(d).sort()) if (f.endsWith(".pem")) problems.push(...fileProblems(join(d, f)));
    }
    return problems;
  }

  /** The store root may be a link (to a private directory); nothing below it may be. */
  private dirProblems(dir: string, root: boolean): string[] {
    const l = lstatSync(dir);
    if (l.isSymbolicLink() && !root)
      return [`${dir} is a symbolic link: a key store holds its own directories; replace the link with the directory it points to`];
    const s: Stats = root ? statSync(dir) : l;
    if (!s.isDirectory()) return root ? [`the key store ${dir} is not a directory`] : [];
    if (s.mode & 0o077) {
      const where = l.isSymbolicLink() ? `${dir} (a link to a directory with mode ${octal(s.mode)})` : `${dir} (mode ${octal(s.mode)})`;
      return [
        `${where} is open to other users, who could read or replace private keys: ` +
          `make sure no key was changed (${commandHint("validate", this.invocation)} compares the store with the lock), then run 'chmod 700 ${dir}'`,
      ];
    }
    return [];
  }

  async get(domain: string, selector: string): Promise<string | undefined> {
    const file = this.path(domain, selector);
    const problems = [...(existsSync(dirname(file)) ? this.dirProblems(dirname(file), false) : []), ...fileProblems(file)];
    if (problems.length) throw new KeyStoreError(problems);
    if (!existsSync(file)) return undefined;
    return readFileSync(file, "utf8");
  }

  async create(domain: string, selector: string, privateKeyPem: string): Promise<boolean> {
    const file = this.path(domain, selector);
    mkdirPrivate(dirname(file));
    const problems = this.dirProblems(dirname(file), false);
    if (problems.length) throw new KeyStoreError(problems);
    return createFileExclusive(file, privateKeyPem, 0o600);
  }

  async createMany(keys: readonly NewKey[]): Promise<boolean[]> {
    for (const dir of new Set(keys.map((k) => dirname(this.path(k.domain, k.selector))))) {
      mkdirPrivate(dir);
      const problems = this.dirProblems(dir, false);
      if (problems.length) throw new KeyStoreError(problems);
    }
    return createFilesExclusive(keys.map((k) => ({ file: this.path(k.domain, k.selector), data: k.privateKeyPem, mode: 0o600 })));
  }

  async list(): Promise<{ domain: string; selector: string }[]> {
    return keyFiles(this.dir, ".pem");
  }

  unavailable(): string | undefined {
    return existsSync(this.dir) ? undefined : `${this.dir} does not exist on this machine (run validate where the keys are, or point --key-store at them)`;
  }

  async missingKeyHint(): Promise<string> {
    return `restore the key store ${this.dir} from its backup (or point --key-store at it), or publish a new selector`;
  }
}

/** The keys of a store laid out as `<dir>/<domain>/<selector><suffix>` (temp files and links to directories left out). */
export function keyFiles(dir: string, suffix: string): { domain: string; selector: string }[] {
  if (!existsSync(dir)) return [];
  const out: { domain: string; selector: string }[] = [];
  for (const domain of readdirSync(dir).sort()) {
    const d = join(dir, domain);
    if (!lstatSync(d).isDirectory()) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith(suffix) && !isTempFile(f)) out.push({ domain, selector: f.slice(0, -suffix.length) });
  }
  return out;
}

/** A key file is a plain file, 0600; never follow a link (a chmod would change its target). */
function fileProblems(file: string): string[] {
  let l: Stats;
  try {
    l = lstatSync(file);
  } catch {
    return [];
  }
  if (l.isSymbolicLink()) return [`${file} is a symbolic link: a key store holds key files, not links; replace the link with a copy of the key it points to`];
  if (!l.isFile()) return [`${file} is not a regular file: remove it`];
  if (l.mode & 0o077) return [`${file} is readable by others (mode ${octal(l.mode)}): run 'chmod 600 ${file}'`];
  return [];
}
