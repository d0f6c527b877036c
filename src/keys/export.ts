/**
 * Hands private keys to the signer: PEM files, an OpenDKIM KeyTable and
 * SigningTable with their key files, or one JSON file. Everything written
 * 0600 in 0700 directories, atomically.
 */
import { chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/model";
import type { KeyAlgorithm } from "../dkim/keys";
import { recordName } from "../dkim/names";
import { mkdirPrivate, writeFileAtomic } from "./atomic";
import type { Lock } from "./lock";
import { checkStore } from "./manage";
import type { KeyStore } from "./store";

export const EXPORT_FORMATS = ["pem", "opendkim", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedKey {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly fingerprint: string;
  readonly privateKeyPem: string;
}

/** The private key of every generated selector in the config; fails unless lock and store agree. */
export function collectKeys(config: Config, lock: Lock, store: KeyStore): ExportedKey[] {
  const problems = checkStore(lock, store, { requirePrivate: false, lockFile: config.lockFile });
  const keys: ExportedKey[] = [];
  for (const domain of config.domains) {
    for (const sel of domain.selectors) {
      if (sel.source.kind !== "generated") continue;
      const entry = lock.get(domain.name, sel.name);
      if (!entry) {
        problems.push(`${domain.name}/${sel.name}: no key in ${config.lockFile}: run 'dkimctl keys' first`);
        continue;
      }
      const pem = store.get(domain.name, sel.name);
      if (pem === undefined) {
        problems.push(`${domain.name}/${sel.name}: the key store ${store.description} has no private key for it: restore the key store from its backup (or point --key-store at it), or publish a new selector`);
        continue;
      }
      keys.push({ domain: domain.name, selector: sel.name, algorithm: entry.algorithm, fingerprint: entry.fingerprint, privateKeyPem: pem });
    }
  }
  if (problems.length) throw new Error([...new Set(problems)].join("\n"));
  return keys;
}

/** Writes the keys in `format` under `outDir`; returns the files written. */
export function writeExport(keys: readonly ExportedKey[], format: ExportFormat, outDir: string): string[] {
  const dir = resolve(outDir);
  const written: string[] = [];
  const put = (rel: string, text: string) => {
    const file = join(dir, rel);
    mkdirPrivate(dirname(file));
    writeFileAtomic(file, text, 0o600);
    chmodSync(file, 0o600);
    written.push(file);
  };
  switch (format) {
    case "pem":
      for (const k of keys) put(join(k.domain, `${k.selector}.pem`), k.privateKeyPem);
      break;
    case "json":
      put(
        "keys.json",
        JSON.stringify(keys.map((k) => ({ domain: k.domain, selector: k.selector, algorithm: k.algorithm, fingerprint: k.fingerprint, privateKeyPem: k.privateKeyPem })), null, 2) + "\n",
      );
      break;
    case "opendkim": {
      const keyTable: string[] = ["# dkimctl export: <key name> <domain>:<selector>:<private key file>"];
      const signingTable: string[] = ["# dkimctl export: <signing domain> <key name> (use with 'MultipleSignatures yes' when a domain has several keys)"];
      for (const k of keys) {
        const keyFile = join(dir, "keys", k.domain, `${k.selector}.private`);
        put(join("keys", k.domain, `${k.selector}.private`), k.privateKeyPem);
        const name = recordName(k.selector, k.domain);
        keyTable.push(`${name} ${k.domain}:${k.selector}:${keyFile}`);
        signingTable.push(`${k.domain} ${name}`);
      }
      put("KeyTable", keyTable.join("\n") + "\n");
      put("SigningTable", signingTable.join("\n") + "\n");
      put(
        "opendkim.conf",
        [
          "# Lines for opendkim.conf, written by dkimctl export",
          `KeyTable file:${join(dir, "KeyTable")}`,
          `SigningTable file:${join(dir, "SigningTable")}`,
          "MultipleSignatures yes",
          "",
        ].join("\n"),
      );
      break;
    }
  }
  return written;
}
