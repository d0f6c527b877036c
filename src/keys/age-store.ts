/**
 * The age key store: each private key encrypted to the recipients listed in
 * domains.yaml (the age format, ASCII armour) as
 * `<dir>/<domain>/<selector>.pem.age`, safe to commit. Beside it,
 * `<selector>.pub` holds the public half in the clear (SPKI PEM), so that a
 * machine without an identity (a hosted CI job running `keys` or `rotate`)
 * still checks the store against the lock. Encrypting needs only the
 * recipients; reading a private key needs an identity, from
 * `$DKIMCTL_AGE_IDENTITY` (the `AGE-SECRET-KEY-1...` text) or
 * `$DKIMCTL_AGE_IDENTITY_FILE`.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KeyStoreSpec } from "../config/model";
import { fingerprint, privateKeyFingerprint, publicKeyValue } from "../dkim/keys";
import { commandHint } from "../command-hint";
import { readFileCapped } from "../read-capped";
import { capText, excerpt } from "../redact";
import { commitTemp, createFileExclusive, exists, isTempFile, orphanedTempsOf, removeOrphanedTemps, writeFileAtomic, writeTemp } from "./atomic";
import { CannotTell, type KeyStore, KeyStoreError, keyFiles } from "./store";

export const IDENTITY_ENV = "DKIMCTL_AGE_IDENTITY";
export const IDENTITY_FILE_ENV = "DKIMCTL_AGE_IDENTITY_FILE";
const NEED_IDENTITY =
  `set ${IDENTITY_ENV} to the age identity (the AGE-SECRET-KEY-1... line age-keygen writes) of a recipient ` +
  `listed in domains.yaml, or ${IDENTITY_FILE_ENV} to a file holding it`;

const KEY_SUFFIX = ".pem.age";
const PUBLIC_SUFFIX = ".pub";
const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
const BINARY_BEGIN = "age-encryption.org/v1\n";

type Age = typeof import("age-encryption");
let age: Promise<Age> | undefined;

/** age-encryption is an ES module only: Node 20.19 and later load it with require(), which this import() compiles to. */
function loadAge(): Promise<Age> {
  age ??= import("age-encryption").catch((e: NodeJS.ErrnoException) => {
    age = undefined;
    throw new KeyStoreError([
      `the age key store needs Node.js 20.19 or later: ${process.version} cannot load age-encryption (${e.code ?? capText(String(e.message))})`,
    ]);
  });
  return age;
}

/** Where the identity comes from: the variables' values, blank meaning not given (a CI secret that is not set). */
export interface AgeIdentityInput {
  readonly text?: string;
  readonly file?: string;
}

/** The age store domains.yaml describes, with the identity the environment gives (read only when a private key is). */
export function ageKeyStore(spec: Extract<KeyStoreSpec, { kind: "age" }>, env: NodeJS.ProcessEnv = process.env, invocation?: readonly string[]): AgeKeyStore {
  const ssh = spec.recipients.filter((r) => r.startsWith("ssh-"));
  if (ssh.length)
    throw new KeyStoreError(
      ssh.map(
        (r) =>
          `the age recipient '${excerpt(r)}' is an SSH key: ` +
          "age-encryption, the age library dkimctl uses, encrypts only to age1... recipients; " +
          "list the teammate's age recipient instead ('age-keygen -y KEYFILE' prints it)",
      ),
    );
  const given = (v: string | undefined) => (v !== undefined && v.trim() !== "" ? v : undefined);
  return new AgeKeyStore(spec.dir, spec.recipients, { text: given(env[IDENTITY_ENV]), file: given(env[IDENTITY_FILE_ENV]) }, invocation);
}

export class AgeKeyStore implements KeyStore {
  private identities?: Promise<string[]>;
  private encrypter?: InstanceType<Age["Encrypter"]>;
  private decrypter?: InstanceType<Age["Decrypter"]>;

  constructor(
    readonly dir: string,
    readonly recipients: readonly string[],
    private readonly identity: AgeIdentityInput,
    /** The options the user gave (Config.invocation), repeated in the hints that name a command. */
    private readonly invocation?: readonly string[],
  ) {}

  get description(): string {
    return this.dir;
  }

  get directory(): string {
    return this.dir;
  }

  /** Whether an identity is given: only then can private keys be read. */
  canReadKeys(): boolean {
    return this.identity.text !== undefined || this.identity.file !== undefined;
  }

  private keyFile(domain: string, selector: string): string {
    return join(this.dir, domain, `${selector}${KEY_SUFFIX}`);
  }

  private publicFile(domain: string, selector: string): string {
    return join(this.dir, domain, `${selector}${PUBLIC_SUFFIX}`);
  }

  /**
   * Refuses a store with links or broken files, removes the temp files of an
   * interrupted run and, with an identity, writes the public half a key
   * lacks (a run killed between the two files, a key encrypted with `age -r`).
   */
  async open(): Promise<void> {
    const problems = this.layoutProblems();
    if (problems.length) throw new KeyStoreError(problems);
    // A run killed between a key and its public half left the public half in its temp file: put it in place (no identity needed).
    for (const { domain, selector } of await this.list()) {
      const pub = this.publicFile(domain, selector);
      const left = exists(pub) ? [] : orphanedTempsOf(pub).filter((t) => readPublicKey(t) !== undefined);
      if (left.length === 1) commitTemp(left[0], pub);
    }
    removeOrphanedTemps(this.dir);
    if (!this.canReadKeys()) return;
    for (const { domain, selector } of await this.list())
      if (!existsSync(this.publicFile(domain, selector))) this.writePublic(domain, selector, (await this.decrypt(this.keyFile(domain, selector)))!);
  }

  /** Every reason the store is unusable; with an identity, also every key that does not decrypt to its public half. */
  async check(): Promise<string[]> {
    const problems = this.layoutProblems();
    if (problems.length || !this.canReadKeys()) return problems;
    for (const { domain, selector } of await this.list()) {
      try {
        await this.get(domain, selector);
      } catch (e) {
        if (!(e instanceof KeyStoreError)) throw e;
        problems.push(...e.reasons);
      }
    }
    return problems;
  }

  /** Links and files that are not what the store writes: the store is committed, so a merge can break a file. */
  private layoutProblems(): string[] {
    if (!existsSync(this.dir)) return [];
    if (!statSync(this.dir).isDirectory()) return [`the age key store ${this.dir} is not a directory: fix keyStore.age.dir in domains.yaml`];
    const problems: string[] = [];
    for (const domain of readdirSync(this.dir).sort()) {
      const d = join(this.dir, domain);
      const l = lstatSync(d);
      if (l.isSymbolicLink())
        problems.push(`${d} is a symbolic link: the age key store holds its own directories; replace the link with the directory it points to`);
      if (!l.isDirectory()) continue;
      for (const f of readdirSync(d).sort()) {
        if (isTempFile(f)) continue;
        if (f.endsWith(KEY_SUFFIX)) problems.push(...fileProblems(join(d, f), keyFileProblem));
        else if (f.endsWith(PUBLIC_SUFFIX)) problems.push(...fileProblems(join(d, f), (file) => publicFileProblem(file, this.invocation)));
      }
    }
    return problems;
  }

  /** The private key, decrypted with the identity and checked against the public half beside it. */
  async get(domain: string, selector: string): Promise<string | undefined> {
    const file = this.keyFile(domain, selector);
    const pem = await this.decrypt(file);
    if (pem === undefined) return undefined;
    const stated = this.statedFingerprint(domain, selector);
    if (stated !== undefined && stated !== privateKeyFingerprint(pem))
      throw new KeyStoreError([
        `${this.publicFile(domain, selector)} is not the public half of the key in ${file}: ` +
          "one of them was replaced; restore both from git history, never edit either by hand",
      ]);
    return pem;
  }

  /** From the public half beside the key; without it, from the private key where an identity is given. */
  async fingerprint(domain: string, selector: string): Promise<string | undefined> {
    if (!exists(this.keyFile(domain, selector))) return undefined;
    const stated = this.statedFingerprint(domain, selector);
    if (stated !== undefined) return stated;
    if (!this.canReadKeys())
      throw new CannotTell(
        `${this.keyFile(domain, selector)} has no ${PUBLIC_SUFFIX} beside it, and telling its key needs an age identity: ` +
          `run ${commandHint("keys", this.invocation)} with ${IDENTITY_ENV} set, which writes it`,
      );
    const pem = await this.get(domain, selector);
    return pem === undefined ? undefined : privateKeyFingerprint(pem);
  }

  /** Encrypts to the recipients and creates the file only if none is there; then writes the public half beside it. */
  async create(domain: string, selector: string, privateKeyPem: string): Promise<boolean> {
    const file = this.keyFile(domain, selector);
    mkdirSync(dirname(file), { recursive: true });
    const problems = fileProblems(dirname(file), () => undefined);
    if (problems.length) throw new KeyStoreError(problems);
    const encrypted = await this.encrypt(privateKeyPem);
    // The public half is written (and synced) before the key appears, so that a run killed between the two leaves it
    // in a temp file that the next run puts in place without an identity (open).
    const pub = this.publicFile(domain, selector);
    const pubTemp = writeTemp(pub, publicPem(privateKeyPem), 0o644);
    let created: boolean;
    try {
      created = createFileExclusive(file, encrypted, 0o644);
    } catch (e) {
      unlinkSync(pubTemp);
      throw e;
    }
    if (!created) {
      unlinkSync(pubTemp);
      return false;
    }
    commitTemp(pubTemp, pub);
    return true;
  }

  async list(): Promise<{ domain: string; selector: string }[]> {
    return keyFiles(this.dir, KEY_SUFFIX);
  }

  publicOnly(): string | undefined {
    return this.canReadKeys() ? undefined : `no age identity: set ${IDENTITY_ENV} or ${IDENTITY_FILE_ENV} to check the private keys too`;
  }

  async missingKeyHint(domain: string, selector: string): Promise<string> {
    const file = this.keyFile(domain, selector);
    return `restore ${file} and its ${PUBLIC_SUFFIX} from git history (they are committed with the lock: 'git log -- ${file}'), or publish a new selector`;
  }

  /**
   * Re-encrypts every key to the current recipients without changing any:
   * all are decrypted first (nothing is written when one cannot be), then
   * each file is replaced atomically and read back as the same key. The
   * identity must be one of the recipients, so that it can read each new file
   * back, and someone still can.
   */
  async rewrap(beforeWrite?: () => void): Promise<{ domain: string; selector: string; fingerprint: string }[]> {
    const lib = await loadAge();
    const own = await Promise.all((await this.loadIdentities()).map((id) => lib.identityToRecipient(id)));
    if (!own.some((r) => this.recipients.includes(r)))
      throw new KeyStoreError([
        `the identity given (${IDENTITY_ENV} or ${IDENTITY_FILE_ENV}) is not one of keyStore.age.recipients: ` +
          "rewrap must be run by a remaining recipient, who reads every re-encrypted key back before it counts",
      ]);
    const keys: { domain: string; selector: string; pem: string; fingerprint: string; encrypted: string }[] = [];
    for (const { domain, selector } of await this.list()) {
      const pem = (await this.get(domain, selector))!;
      keys.push({ domain, selector, pem, fingerprint: privateKeyFingerprint(pem), encrypted: await this.encrypt(pem) });
    }
    for (const k of keys) {
      const file = this.keyFile(k.domain, k.selector);
      beforeWrite?.();
      writeFileAtomic(file, k.encrypted, 0o644);
      this.writePublic(k.domain, k.selector, k.pem);
      const back = await this.get(k.domain, k.selector);
      if (back === undefined || privateKeyFingerprint(back) !== k.fingerprint)
        throw new KeyStoreError([`${file} does not read back as the key it held: restore the age store from git history`]);
    }
    return keys.map(({ domain, selector, fingerprint }) => ({ domain, selector, fingerprint }));
  }

  private writePublic(domain: string, selector: string, privateKeyPem: string): void {
    writeFileAtomic(this.publicFile(domain, selector), publicPem(privateKeyPem), 0o644);
  }

  /** The fingerprint the public half beside the key states, or undefined when there is none. */
  private statedFingerprint(domain: string, selector: string): string | undefined {
    const file = this.publicFile(domain, selector);
    if (!exists(file)) return undefined;
    const problems = fileProblems(file, (f) => publicFileProblem(f, this.invocation));
    if (problems.length) throw new KeyStoreError(problems);
    return fingerprintOfPublic(readPublicKey(file)!);
  }

  private async encrypt(pem: string): Promise<string> {
    const lib = await loadAge();
    if (!this.encrypter) {
      if (!this.recipients.length) throw new KeyStoreError(["keyStore.age.recipients is empty: list at least one age1... recipient"]);
      const e = new lib.Encrypter();
      for (const r of this.recipients) {
        try {
          e.addRecipient(r);
        } catch (err) {
          throw new KeyStoreError([
            `'${excerpt(r)}' in keyStore.age.recipients is not an age recipient dkimctl can encrypt to: ${capText(String((err as Error).message))}`,
          ]);
        }
      }
      this.encrypter = e;
    }
    return lib.armor.encode(await this.encrypter.encrypt(pem));
  }

  /** The private key PEM in `file`, or undefined when there is no file. */
  private async decrypt(file: string): Promise<string | undefined> {
    // The domain's directory is the store's own, never a link to keys elsewhere (as in the local store).
    const problems = fileProblems(dirname(file), () => undefined);
    if (problems.length) throw new KeyStoreError(problems);
    if (!exists(file)) return undefined;
    problems.push(...fileProblems(file, () => undefined));
    if (problems.length) throw new KeyStoreError(problems);
    if (!this.canReadKeys()) throw new KeyStoreError([`${file} is encrypted, and reading it needs an age identity: ${NEED_IDENTITY}`]);
    const d = await this.getDecrypter();
    const lib = await loadAge();
    let plain: string;
    try {
      const data = readFileSync(file);
      const text = data.toString("latin1").trimStart();
      plain = await d.decrypt(text.startsWith(ARMOR_BEGIN) ? lib.armor.decode(text) : new Uint8Array(data), "text");
    } catch (e) {
      const why = capText(String((e as Error).message));
      if (/no identity matched/.test(why))
        throw new KeyStoreError([
          `none of the identities can decrypt ${file}: ${why}; ` +
            `use the identity of a recipient it was encrypted to, or have one of them run ${commandHint("keys rewrap", this.invocation)}`,
        ]);
      throw new KeyStoreError([`cannot decrypt ${file}: ${why}; restore it from git history`]);
    }
    try {
      createPrivateKey(plain);
    } catch {
      throw new KeyStoreError([`${file} decrypts to something that is not a private key: restore it from git history`]);
    }
    return plain;
  }

  private async getDecrypter(): Promise<InstanceType<Age["Decrypter"]>> {
    if (!this.decrypter) {
      const [lib, identities] = await Promise.all([loadAge(), this.loadIdentities()]);
      const d = new lib.Decrypter();
      for (const id of identities) d.addIdentity(id);
      this.decrypter = d;
    }
    return this.decrypter;
  }

  private loadIdentities(): Promise<string[]> {
    this.identities ??= parseIdentities(this.identity);
    return this.identities;
  }
}

/**
 * The identities given, each checked. Messages name lines, never show them:
 * a line that is not an identity may still be a secret.
 */
async function parseIdentities(given: AgeIdentityInput): Promise<string[]> {
  const sources: [name: string, text: string][] = [];
  if (given.text !== undefined) sources.push([IDENTITY_ENV, given.text]);
  if (given.file !== undefined) {
    try {
      sources.push([`${IDENTITY_FILE_ENV} (${given.file})`, readFileCapped(given.file, 1024 * 1024, "an age identity file")]);
    } catch (e) {
      throw new KeyStoreError([`${IDENTITY_FILE_ENV}: ${(e as Error).message}: point it at the file age-keygen wrote`]);
    }
  }
  if (!sources.length) throw new KeyStoreError([`reading the age store's private keys needs an identity: ${NEED_IDENTITY}`]);
  const lib = await loadAge();
  const identities: string[] = [];
  const problems: string[] = [];
  for (const [name, text] of sources) {
    const bad: number[] = [];
    let found = 0;
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      try {
        await lib.identityToRecipient(line);
        identities.push(line);
        found++;
      } catch {
        bad.push(i + 1);
      }
    }
    const lines = bad.length > 5 ? `${bad.slice(0, 5).join(", ")} and ${bad.length - 5} more` : bad.join(", ");
    if (bad.length)
      problems.push(
        `${name}: line${bad.length > 1 ? "s" : ""} ${lines} ${bad.length > 1 ? "are not age identities" : "is not an age identity"} ` +
          "(not shown: it may be secret); give the AGE-SECRET-KEY-1... lines age-keygen writes (SSH keys are not supported)",
      );
    else if (!found) problems.push(`${name} holds no age identity: give the AGE-SECRET-KEY-1... line age-keygen writes`);
  }
  if (problems.length) throw new KeyStoreError(problems);
  return identities;
}

/** The SPKI PEM of a private key's public half: what `<selector>.pub` holds. */
const publicPem = (privateKeyPem: string): string => createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "pem" }).toString();

function fingerprintOfPublic(key: KeyObject): string {
  return fingerprint(publicKeyValue(key));
}

function readPublicKey(file: string): KeyObject | undefined {
  try {
    return createPublicKey(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A file (or directory) of the store is itself, never a link; `content` says what is wrong inside a file. */
function fileProblems(path: string, content: (file: string) => string | undefined): string[] {
  if (!exists(path)) return [];
  const l = lstatSync(path);
  if (l.isSymbolicLink())
    return [`${path} is a symbolic link: the age key store holds its own files and directories, not links; replace the link with what it points to`];
  if (l.isDirectory()) return [];
  if (!l.isFile()) return [`${path} is not a regular file: remove it`];
  const why = content(path);
  return why ? [why] : [];
}

function keyFileProblem(file: string): string | undefined {
  const head = readFileSync(file).subarray(0, 64).toString("latin1");
  if (head.trimStart().startsWith(ARMOR_BEGIN) || head.startsWith(BINARY_BEGIN)) return undefined;
  const conflict = head.startsWith("<<<<<<<") ? " (it holds a merge conflict)" : "";
  return `${file} is not an age-encrypted file${conflict}: restore it from git history, together with its .pub file and the lock entry of the same commit`;
}

function publicFileProblem(file: string, invocation?: readonly string[]): string | undefined {
  if (readPublicKey(file)) return undefined;
  return (
    `${file} is not a public key: delete it, then run ${commandHint("keys", invocation)} with an age identity (${IDENTITY_ENV}), ` +
    "which writes it again from the private key"
  );
}
