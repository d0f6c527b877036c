/**
 * Hands private keys to the signer: PEM files, an OpenDKIM KeyTable and
 * SigningTable with their key files, or one JSON file. Everything written
 * 0600 in 0700 directories, atomically.
 */
import { chmodSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Config } from "../config/model";
import type { KeyAlgorithm } from "../dkim/keys";
import { selectorName } from "../dns/names";
import { exists, isTempFile, mkdirPrivate, writeFileAtomic } from "./atomic";
import { type Lock, type LockEntry, slotKeyName } from "./lock";
import { isExported } from "../lifecycle";
import { checkStore } from "./manage";
import type { KeyStore } from "./store";
import { ProblemsError } from "../config/problems";
import { rspamdFiles } from "./rspamd";
import { signerNote, signerPaths } from "./signer-path";
import { gitExposure } from "./git-exposure";
import { isWithin, linkOnPath, realPath } from "./real-path";
import { commandHint } from "../command-hint";

export const EXPORT_FORMATS = ["pem", "opendkim", "json", "rspamd"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The formats whose files name other files (and so take --signer-dir). */
export const FORMATS_WITH_PATHS: readonly ExportFormat[] = ["opendkim", "rspamd"];

export interface ExportedKey {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly fingerprint: string;
  /** `active` signs; `pending` and `retiring` keys of rotated domains are exported so the signer can switch at once. */
  readonly state: "pending" | "active" | "retiring";
  readonly privateKeyPem: string;
}

/**
 * The private key of every generated selector in the config, and of each
 * customer's active slot (with `signing`, only of the customers it names:
 * those the signing gate has switched on); fails unless lock and store agree.
 */
export async function collectKeys(config: Config, lock: Lock, store: KeyStore, signing?: ReadonlySet<string>): Promise<ExportedKey[]> {
  // A store that keys and validate refuse (loose permissions, links, broken files) is refused here too, before any key is read.
  const unsafe = await store.check();
  if (unsafe.length) throw new ProblemsError(unsafe);
  const problems = await checkStore(lock, store, { requirePrivate: false, lockFile: config.lockFile });
  const keys: ExportedKey[] = [];
  const add = async (domain: string, selector: string, entry: LockEntry, state: ExportedKey["state"]) => {
    const pem = await store.get(domain, selector);
    if (pem === undefined)
      problems.push(`${domain}/${selector}: the key store ${store.description} has no private key for it: ${await store.missingKeyHint(domain, selector)}`);
    else keys.push({ domain, selector, algorithm: entry.algorithm, fingerprint: entry.fingerprint, state, privateKeyPem: pem });
  };
  for (const domain of config.domains) {
    if (domain.rotation) {
      for (const { selector, entry } of lock.rotated(domain.name)) if (isExported(entry.state)) await add(domain.name, selector, entry, entry.state);
    }
    for (const sel of domain.selectors) {
      if (sel.source.kind !== "generated") continue;
      const entry = lock.get(domain.name, sel.name);
      if (!entry) {
        problems.push(`${domain.name}/${sel.name}: no key in ${config.lockFile}: run ${commandHint("keys", config.invocation)} first`);
        continue;
      }
      await add(domain.name, sel.name, entry, "active");
    }
  }
  // A customer signs with its active slot's key alone: the export changes exactly when a rotation switches its slot.
  for (const customer of config.customers)
    for (const slot of signing && !signing.has(customer.name) ? [] : customer.slots) {
      const entry = lock.slotKey(customer.name, slot);
      if (entry?.state !== "active") continue;
      const pem = await store.get(customer.name, slotKeyName(slot, entry.generation));
      if (pem === undefined)
        problems.push(
          `customer ${customer.name} slot ${slot}: the key store ${store.description} has no private key for its active key ` +
            `(${slotKeyName(slot, entry.generation)}): restore the key store from its backup (or point --key-store at it)`,
        );
      else
        keys.push({ domain: customer.name, selector: slot, algorithm: entry.algorithm, fingerprint: entry.fingerprint, state: "active", privateKeyPem: pem });
    }
  if (problems.length) throw new ProblemsError(problems);
  return keys;
}

/** Lists, one per line, the files the last export wrote into the directory. */
export const EXPORT_MANIFEST = ".dkimctl-export";

export interface ExportOptions {
  /** Remove files in the directory that dkimctl did not write, and export into a git work tree that does not ignore them. @default false */
  readonly force?: boolean;
  /** Paths the export's directory must never be nor contain (the config, the lock, the project's directory), compared as real paths. */
  readonly protect?: readonly string[];
  /** Key store directories the export must keep apart from: never one of them, inside one, nor holding one (real paths). */
  readonly stores?: readonly string[];
  /**
   * Where the export's directory will be on the signer (`--signer-dir`, e.g.
   * /etc/dkimkeys): the OpenDKIM and rspamd files name their key files and
   * tables under it. @default paths relative to the export's directory, with
   * a comment saying so: never the machine path of the directory written.
   */
  readonly signerDir?: string;
}

/** A file of an export: its path relative to the export's directory, and its text. */
interface ExportFile {
  readonly rel: string;
  readonly text: string;
}

/**
 * Writes the keys in `format` under `outDir`; returns the files written. The
 * directory ends up holding exactly this export, 0700 with files 0600: files
 * of an earlier export that this one does not write are removed, and files
 * dkimctl never wrote are refused (or removed with `force`), so no stale or
 * world-readable key survives beside the new ones. Every check runs before
 * anything is written or removed.
 */
export function writeExport(keys: readonly ExportedKey[], format: ExportFormat, outDir: string, opts: ExportOptions = {}): string[] {
  const files = exportFiles(keys, format, opts.signerDir);
  const { dir, previous } = prepareExportDir(outDir, files, opts);
  const written: string[] = [];
  for (const { rel, text } of files) {
    const file = join(dir, rel);
    mkdirPrivate(dirname(file));
    writeFileAtomic(file, text, 0o600);
    chmodSync(file, 0o600);
    written.push(join(resolve(outDir), rel));
  }
  const now = new Set(files.map((f) => f.rel));
  for (const rel of previous) if (!now.has(rel)) rmSync(join(dir, rel), { force: true });
  writeFileAtomic(join(dir, EXPORT_MANIFEST), `${[...now].sort().join("\n")}\n`, 0o600);
  return written;
}

/** The files of an export in `format`. */
function exportFiles(keys: readonly ExportedKey[], format: ExportFormat, signerDir: string | undefined): ExportFile[] {
  const where = signerPaths(signerDir);
  const files: ExportFile[] = [];
  const put = (rel: string, text: string) => files.push({ rel, text });
  switch (format) {
    case "pem":
      for (const k of keys) put(join(k.domain, `${k.selector}.pem`), k.privateKeyPem);
      break;
    case "json":
      put(
        "keys.json",
        `${JSON.stringify(
          keys.map((k) => ({
            domain: k.domain,
            selector: k.selector,
            algorithm: k.algorithm,
            fingerprint: k.fingerprint,
            state: k.state,
            privateKeyPem: k.privateKeyPem,
          })),
          null,
          2,
        )}\n`,
      );
      break;
    case "rspamd":
      for (const f of rspamdFiles(keys, where, signerNote(signerDir, "rspamd"))) put(f.rel, f.text);
      break;
    case "opendkim": {
      // OpenDKIM signs with one algorithm per instance (SignatureAlgorithm), so
      // RSA keys go in the top-level tables and Ed25519 keys in ed25519/, each
      // with its own opendkim.conf lines.
      const groups: [string, readonly ExportedKey[], string[]][] = [
        ["", keys.filter((k) => k.algorithm !== "ed25519"), []],
        ["ed25519", keys.filter((k) => k.algorithm === "ed25519"), ["SignatureAlgorithm ed25519-sha256"]],
      ];
      for (const [sub, group, extra] of groups) {
        if (sub !== "" && group.length === 0) continue;
        const note = signerNote(signerDir, "OpenDKIM");
        const keyTable: string[] = ["# dkimctl export: <key name> <domain>:<selector>:<private key file>", ...note];
        const signingTable: string[] = [
          "# dkimctl export: <signing domain> <key name>, active keys only (use with 'MultipleSignatures yes' when a domain has several)",
        ];
        for (const k of group) {
          const rel = join("keys", k.domain, `${k.selector}.private`);
          put(rel, k.privateKeyPem);
          const name = selectorName(k.selector, k.domain);
          keyTable.push(`${name} ${k.domain}:${k.selector}:${where(rel)}`);
          if (k.state === "active") signingTable.push(`${k.domain} ${name}`);
        }
        put(join(sub, "KeyTable"), `${keyTable.join("\n")}\n`);
        put(join(sub, "SigningTable"), `${signingTable.join("\n")}\n`);
        put(
          join(sub, "opendkim.conf"),
          [
            `# Lines for opendkim.conf, written by dkimctl export${sub ? " (an OpenDKIM instance signing with Ed25519, RFC 8463)" : ""}`,
            ...note,
            `KeyTable file:${where(join(sub, "KeyTable"))}`,
            `SigningTable file:${where(join(sub, "SigningTable"))}`,
            "MultipleSignatures yes",
            ...extra,
            "",
          ].join("\n"),
        );
      }
      break;
    }
  }
  return files;
}

const listed = (files: readonly string[]) => files.slice(0, 5).join(", ") + (files.length > 5 ? ` and ${files.length - 5} more` : "");

/**
 * Makes the export's directory (its real path) private and fit for `files`,
 * and returns it with the files the previous export listed. Throws, writing
 * and removing nothing, when the directory is a link, is or holds a path of
 * the project or a key store, lies in a key store or a .git directory, has a
 * link where a file is written or removed, would leave a key where git does
 * not ignore it (unless `force`), or holds files dkimctl did not write
 * (unless `force`, which removes them, never a file git tracks).
 */
function prepareExportDir(outDir: string, files: readonly ExportFile[], opts: ExportOptions): { dir: string; previous: string[] } {
  const given = resolve(outDir);
  if (exists(given) && lstatSync(given).isSymbolicLink())
    throw new Error(`--out ${given} is a symbolic link: give the directory itself (an export never writes or removes files through a link)`);
  const dir = realPath(given);
  const shown = dir === given ? given : `${given} (really ${dir})`;
  for (const p of opts.protect ?? [])
    if (isWithin(realPath(p), dir)) throw new Error(`--out ${shown} holds ${resolve(p)}: export into a directory of its own (e.g. dkim-export/)`);
  for (const s of opts.stores ?? []) {
    const store = realPath(s);
    if (isWithin(store, dir) || isWithin(dir, store))
      throw new Error(`--out ${shown} ${isWithin(dir, store) ? "is inside" : "holds"} the key store ${resolve(s)}: export into a directory of its own`);
  }
  if (dir.split(sep).includes(".git")) throw new Error(`--out ${shown} is inside a .git directory: export into a directory of its own`);
  if (exists(dir) && !statSync(dir).isDirectory()) throw new Error(`--out ${given} is not a directory: give a directory (it is created if missing)`);

  const manifest = join(dir, EXPORT_MANIFEST);
  const previous = exists(manifest)
    ? readFileSync(manifest, "utf8")
        .split("\n")
        .filter((l) => l !== "" && !isAbsolute(l) && !l.split(/[\\/]/).includes(".."))
    : [];
  const known = new Set([EXPORT_MANIFEST, ...previous]);
  const foreign = exists(dir) ? filesUnder(dir).filter((rel) => !known.has(rel) && !isTempFile(rel.split(sep).pop()!)) : [];
  const planned = [...files.map((f) => f.rel), EXPORT_MANIFEST];
  const links = [...new Set([...planned, ...previous].map((rel) => linkOnPath(dir, dirname(rel))).filter((l): l is string => l !== undefined))];
  if (links.length)
    throw new Error(`--out ${shown} has symbolic links where the export writes or removes files (${listed(links)}): remove them, or export elsewhere`);

  const git = gitExposure(dir, [...new Set([...planned, ...previous, ...foreign])]);
  const tracked = new Set(git?.tracked ?? []);
  const unignored = (git?.unignored ?? []).filter((rel) => planned.includes(rel));
  if (git && unignored.length && !opts.force) {
    throw new Error(
      `--out ${shown} is inside the git work tree ${git.tree} and git does not ignore ${listed(unignored)}: ` +
        `the private keys would be one 'git add' away from a commit. Add '${relative(git.tree, dir) || "."}/' to ${join(git.tree, ".gitignore")}, ` +
        "export outside the repository, or add --force",
    );
  }
  const removedTracked = [...previous.filter((rel) => !planned.includes(rel)), ...foreign].filter((rel) => tracked.has(rel));
  if (removedTracked.length)
    throw new Error(
      `--out ${shown} holds files git tracks (${listed(removedTracked)}): they belong to the project and an export never removes them; export elsewhere`,
    );
  if (foreign.length && !opts.force)
    throw new Error(
      `--out ${shown} holds files dkimctl did not write (${listed(foreign)}): export into an empty or new directory, or add --force to remove them`,
    );

  if (!exists(dir)) {
    mkdirPrivate(dir);
    return { dir, previous: [] };
  }
  for (const rel of foreign) rmSync(join(dir, rel), { force: true });
  for (const d of [dir, ...dirsUnder(dir)]) chmodSync(d, 0o700);
  return { dir, previous };
}

/** Files (and links) below `dir`, relative to it; links are never followed. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const l = lstatSync(path);
    return l.isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

function dirsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return lstatSync(path).isDirectory() ? [path, ...dirsUnder(path)] : [];
  });
}
