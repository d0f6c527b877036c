/**
 * Key generation at scale, two parts:
 *
 * 1. `dkimctl keys` for many RSA-2048 selectors on every core, beside the
 *    floor: the same number of keys made one after another with
 *    generateKeyPairSync, the rate before keys were made in parallel.
 * 2. A large project of Ed25519 selectors (50,000 by default, 100 per
 *    domain): a fresh `dkimctl keys` (every key made, stored in batches,
 *    the lock written), then `dkimctl validate` (every stored key read and
 *    checked against the lock) and a `keys` with nothing to do, each with
 *    its wall time, CPU time and peak memory, and the load of the machine.
 *
 *   npm run bench:keys [-- --keys=1000] [-- --ed25519=50000]   (--keys=0 or --ed25519=0 skips a part)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { childEnv, fmtMb, fmtMs, fmtRatio, log, measure, out, ROOT, table } from "./measure";

/** At least this many times the serial rate on 2 cores. */
export const TARGET_KEYS_SPEEDUP = 1.7;
/** 50,000 Ed25519 keys in under 2 minutes (issue #21). */
export const TARGET_BULK_MS = 120_000;

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);

function main(): void {
  const n = arg("keys", 1000);
  if (n > 0) rsaKeys(n);
  const bulk = arg("ed25519", 50_000);
  if (bulk > 0) bulkEd25519(bulk);
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

function bulkEd25519(n: number): void {
  const tmp = mkdtempSync(join(tmpdir(), "dkimctl-bench-bulk-"));
  try {
    const config = join(tmp, "domains.yaml");
    const lines = ["version: 1", "defaults: { key: ed25519 }", "zones:", "  example.com: { provider: route53 }", "domains:"];
    for (let d = 0; d * 100 < n; d++) {
      lines.push(`  d${d}.example.com:`, "    selectors:");
      for (let s = d * 100; s < Math.min(n, (d + 1) * 100); s++) lines.push(`      s${s}: {}`);
    }
    writeFileSync(config, `${lines.join("\n")}\n`);
    const env = childEnv({});
    const bin = [process.execPath, join(ROOT, "bin", "dkimctl.js")];
    const loadBefore = load();
    log(`dkimctl keys: ${n} Ed25519 selectors (load ${loadBefore})`);
    const keys = measure(tmp, "dkimctl keys", [...bin, "keys", "--quiet", "--config", config], env, { node: true });
    log("dkimctl validate");
    const validate = measure(tmp, "dkimctl validate", [...bin, "validate", "--config", config], env, { node: true });
    log("dkimctl keys (nothing to do)");
    const again = measure(tmp, "dkimctl keys again", [...bin, "keys", "--quiet", "--config", config], env, { node: true });
    out(`## ${n.toLocaleString("en-US")} Ed25519 selectors on ${availableParallelism()} cores (load average before: ${loadBefore}; after: ${load()})`);
    out();
    const row = (label: string, m: ReturnType<typeof measure>) => [
      label,
      fmtMs(m.ms),
      fmtMs(m.cpuMs ?? Number.NaN),
      fmtMb(m.rssKb),
      `${(m.ms / n).toFixed(2)} ms`,
    ];
    for (const line of table(
      ["run", "wall", "CPU", "peak memory", "wall per key"],
      [row("keys (every key made)", keys), row("validate", validate), row("keys (nothing to do)", again)],
    ))
      out(line);
    out();
    out(`target: ${n.toLocaleString("en-US")} keys in under ${TARGET_BULK_MS / 1000} s: ${keys.ms < (TARGET_BULK_MS * n) / 50_000 ? "met" : "NOT met"}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function rsaKeys(n: number): void {
  const tmp = mkdtempSync(join(tmpdir(), "dkimctl-bench-keys-"));
  try {
    const config = join(tmp, "domains.yaml");
    const selectors = Array.from({ length: n }, (_, i) => `      s${i}: { key: rsa-2048 }`).join("\n");
    writeFileSync(config, `version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com:\n    selectors:\n${selectors}\n`);
    const env = childEnv({});
    log(`serial floor: ${n} RSA-2048 keys with generateKeyPairSync`);
    const serialScript =
      `const c = require("node:crypto"); for (let i = 0; i < ${n}; i++) ` +
      'c.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });';
    const serial = measure(tmp, "serial", [process.execPath, "-e", serialScript], env, { node: true });
    log(`dkimctl keys: ${n} RSA-2048 selectors`);
    const keys = measure(tmp, "dkimctl keys", [process.execPath, join(ROOT, "bin", "dkimctl.js"), "keys", "--quiet", "--config", config], env, { node: true });
    const speedup = serial.ms / keys.ms;
    out(`## dkimctl keys: ${n} RSA-2048 keys on ${availableParallelism()} cores`);
    out();
    for (const line of table(
      ["run", "wall", "CPU", "keys/s", "speed-up"],
      [
        ["serial generateKeyPairSync (floor)", fmtMs(serial.ms), fmtMs(serial.cpuMs ?? Number.NaN), (n / (serial.ms / 1000)).toFixed(1), "1.00x"],
        ["dkimctl keys", fmtMs(keys.ms), fmtMs(keys.cpuMs ?? Number.NaN), (n / (keys.ms / 1000)).toFixed(1), fmtRatio(speedup)],
      ],
    ))
      out(line);
    out();
    out(`target: at least ${TARGET_KEYS_SPEEDUP}x the serial rate: ${speedup >= TARGET_KEYS_SPEEDUP ? "met" : "NOT met"}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
