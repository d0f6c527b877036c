/**
 * `dkimctl keys` for many RSA-2048 selectors on every core, beside the
 * floor: the same number of keys made one after another with
 * generateKeyPairSync, the rate before keys were made in parallel.
 *
 *   npm run bench:keys [-- --keys=1000]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { childEnv, fmtMs, fmtRatio, log, measure, out, ROOT, table } from "./measure";

/** At least this many times the serial rate on 2 cores. */
export const TARGET_KEYS_SPEEDUP = 1.7;

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);

function main(): void {
  const n = arg("keys", 1000);
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
