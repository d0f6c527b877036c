/**
 * Signing-provider mode at the size of a provider: loading 10,000 customers
 * (a list file, and inline in domains.yaml), the lock with their 20,000 slot
 * keys, `instructions --all`, and `dkimctl keys` making the 20,000 keys, each
 * a fresh child process of the compiled CLI (wall, CPU, peak RSS).
 *
 *   npm run bench:customers [-- --customers=10000] [-- --keys=ed25519|rsa-2048|none]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprint, generateKeyPair } from "../src/dkim/keys";
import { Lock } from "../src/keys/lock";
import { childEnv, fmtMb, fmtMs, log, measure, out, ROOT, table } from "./measure";

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;

function config(list: string | undefined, names: string[]): string {
  const head = "version: 1\ndefaults: { key: ed25519 }\nzones:\n  dkim.esp.example: { provider: route53 }\ncustomers:\n  dkim.esp.example:\n";
  return list ? `${head}    list: ${list}\n` : `${head}    domains:\n${names.map((n) => `      ${n}:\n`).join("")}`;
}

function main(): void {
  const n = Number(arg("customers", "10000"));
  const keys = arg("keys", "ed25519");
  const names = Array.from({ length: n }, (_, i) => `customer${i}.example`);
  const tmp = mkdtempSync(join(tmpdir(), "dkimctl-bench-customers-"));
  const env = childEnv({});
  const cli = (label: string, ...args: string[]) => {
    log(label);
    return measure(tmp, label, [process.execPath, join(ROOT, "bin", "dkimctl.js"), ...args], env, { node: true });
  };
  const rows: string[][] = [];
  const row = (what: string, m: ReturnType<typeof measure>) => rows.push([what, fmtMs(m.ms), fmtMs(m.cpuMs ?? Number.NaN), fmtMb(m.rssKb)]);
  try {
    // Config only: a list file, and the same customers inline.
    const listDir = join(tmp, "list");
    const inlineDir = join(tmp, "inline");
    for (const [dir, text] of [
      [listDir, config("customers.txt", names)],
      [inlineDir, config(undefined, names)],
    ] as const) {
      mkdirSync(dir);
      writeFileSync(join(dir, "domains.yaml"), text);
    }
    writeFileSync(join(listDir, "customers.txt"), names.map((x) => `${x}\n`).join(""));
    row(`validate: ${n} customers in a list file, no lock`, cli("validate (list file)", "validate", "--config", join(listDir, "domains.yaml")));
    row(`validate: ${n} customers inline, no lock`, cli("validate (inline)", "validate", "--config", join(inlineDir, "domains.yaml")));

    // The lock of their 2n slot keys (one RSA-2048 public key repeated: the size of a real lock).
    const pair = generateKeyPair("rsa-2048");
    const lock = new Lock();
    const entry = {
      algorithm: pair.algorithm,
      publicKey: pair.publicKey,
      fingerprint: fingerprint(pair.publicKey),
      created: "2026-01-01T00:00:00Z",
      generation: 1,
    };
    for (const name of names) for (const slot of ["esp1", "esp2"]) lock.setSlotKey(name, slot, entry);
    lock.write(join(listDir, "dkim.lock.yaml"));
    row(`validate: the lock of ${2 * n} RSA-2048 slot keys too`, cli("validate (lock)", "validate", "--config", join(listDir, "domains.yaml")));
    row(
      `instructions --all --format csv (${n} customers)`,
      cli("instructions --all", "instructions", "--all", "--format", "csv", "--config", join(listDir, "domains.yaml")),
    );
    row("instructions CUSTOMER (one customer, same project)", cli("instructions one", "instructions", names[0], "--config", join(listDir, "domains.yaml")));

    if (keys !== "none") {
      const keysDir = join(tmp, "keys");
      mkdirSync(keysDir);
      writeFileSync(join(keysDir, "domains.yaml"), config("customers.txt", names).replace("ed25519", keys));
      writeFileSync(join(keysDir, "customers.txt"), names.map((x) => `${x}\n`).join(""));
      row(`keys: ${2 * n} ${keys} slot keys, local store`, cli("keys", "keys", "--quiet", "--config", join(keysDir, "domains.yaml")));
    }
    out(`## Signing-provider mode: ${n} customers, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at the end`);
    out();
    for (const line of table(["run", "wall", "CPU", "peak RSS"], rows)) out(line);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
