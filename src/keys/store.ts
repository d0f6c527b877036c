/**
 * Key stores hold the private halves. The embedded default is a local
 * directory: `<dir>/<domain>/<selector>.pem`, directories 0700, files 0600,
 * every write atomic.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { mkdirPrivate, writeFileAtomic } from "./atomic";

export interface KeyStore {
  /** Shown in messages, e.g. the directory. */
  readonly description: string;
  /** PKCS#8 PEM, or undefined when the store has no key for the selector. */
  get(domain: string, selector: string): string | undefined;
  /** Stores a key. Refuses to replace an existing one. */
  put(domain: string, selector: string, privateKeyPem: string): void;
  list(): { domain: string; selector: string }[];
}

/** `--key-store`, else `$DKIMCTL_KEY_STORE`, else `.dkim/keys/` beside the config. */
export function keyStoreDir(configFile: string, explicit?: string): string {
  return resolve(explicit ?? process.env.DKIMCTL_KEY_STORE ?? join(dirname(configFile), ".dkim", "keys"));
}

export class LocalKeyStore implements KeyStore {
  constructor(readonly dir: string) {}

  get description(): string {
    return this.dir;
  }

  private path(domain: string, selector: string): string {
    return join(this.dir, domain, `${selector}.pem`);
  }

  get(domain: string, selector: string): string | undefined {
    const file = this.path(domain, selector);
    if (!existsSync(file)) return undefined;
    const mode = statSync(file).mode & 0o077;
    if (mode !== 0) throw new Error(`${file} is readable by others (mode ${(statSync(file).mode & 0o777).toString(8)}): run 'chmod 600 ${file}'`);
    return readFileSync(file, "utf8");
  }

  put(domain: string, selector: string, privateKeyPem: string): void {
    const file = this.path(domain, selector);
    if (existsSync(file)) throw new Error(`${file} already exists; a selector never gets a second key`);
    mkdirPrivate(dirname(file));
    writeFileAtomic(file, privateKeyPem, 0o600);
    chmodSync(file, 0o600);
  }

  list(): { domain: string; selector: string }[] {
    if (!existsSync(this.dir)) return [];
    const out: { domain: string; selector: string }[] = [];
    for (const domain of readdirSync(this.dir).sort()) {
      const d = join(this.dir, domain);
      if (!statSync(d).isDirectory()) continue;
      for (const f of readdirSync(d).sort()) if (f.endsWith(".pem")) out.push({ domain, selector: f.slice(0, -4) });
    }
    return out;
  }
}
