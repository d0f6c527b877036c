/**
 * `npm run bench:providers -- DIR`: the synth cost of the five DNS
 * providers' bindings. Writes two projects of the same size under DIR (5
 * zones of 200 domains, each with a generated ed25519 key and a CNAME
 * selector): `five/`, one zone per provider, and `route53/`, every zone in
 * Route53; makes their keys with the compiled dkimctl, and prints the
 * farm-bench command that times the compiled app (cdktf.json's app) on each,
 * side by side. Prints numbers only through farm-bench; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROVIDER_NAMES, type ProviderName } from "../src/providers";

const ROOT = resolve(__dirname, "..");
const DOMAINS_PER_ZONE = 200;
/** The zone options each provider requires, as a bench value. */
const OPTIONS: Partial<Record<ProviderName, string>> = { google: ", managedZone: bench-{i}", azure: ", resourceGroup: dns-rg" };

function project(dir: string, providerOf: (i: number) => ProviderName): void {
  const zones = PROVIDER_NAMES.map((_, i) => {
    const p = providerOf(i);
    return `  z${i}.bench.example: { provider: ${p}${(OPTIONS[p] ?? "").replace("{i}", String(i))} }`;
  });
  const domains = PROVIDER_NAMES.flatMap((_, i) =>
    Array.from({ length: DOMAINS_PER_ZONE }, (_, d) => `  d${d}.z${i}.bench.example:\n    selectors:\n      s1: {}\n      esp1: { cname: s1.esp.example }`),
  );
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "domains.yaml");
  writeFileSync(config, ["version: 1", "defaults: { key: ed25519 }", "zones:", ...zones, "domains:", ...domains, ""].join("\n"));
  const keys = spawnSync(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "keys", "--config", config], { encoding: "utf8" });
  if (keys.status !== 0) throw new Error(`dkimctl keys failed in ${dir}: ${keys.stderr}`);
}

const dir = resolve(process.argv[2] ?? "bench-providers");
project(join(dir, "five"), (i) => PROVIDER_NAMES[i]);
project(join(dir, "route53"), () => "route53");
const app = (p: string) =>
  `sh -c 'DKIMCTL_CONFIG=${join(dir, p, "domains.yaml")} CDKTF_OUTDIR=${join(dir, p, "out")} CHECKPOINT_DISABLE=1 exec node dist/main.js'`;
process.stdout.write(`# A: one zone per provider (${PROVIDER_NAMES.join(", ")}); B: every zone in Route53. Run from ${ROOT}:\n`);
process.stdout.write(`farm-bench -n 7 --timeout 600 --vs "${app("route53")}" -- ${app("five")}\n`);
