/**
 * The delegation check at scale (#19): 10,000 customers x 2 slots against
 * local servers. knot serves a registry (`test`) that delegates a customers'
 * zone (`customers.test`, one zone holding every customer's CNAMEs, as
 * their own zones would) and our key zone (`esp.test`, one key TXT per
 * slot); unbound resolves in front of them. A share of the customers have
 * made no records yet (pending), so the slow path (doubled name, zone walk)
 * is measured too.
 *
 * Each run is a child process running the compiled check (dist/), so its
 * time and peak memory are the check's own: the full check through the
 * resolver, the same with --authoritative, and the hourly run that checks
 * only what is not settled (--recheck-after 1d, after the first run).
 *
 *   npm run bench:delegation [-- --customers=10000 --pending=5 --concurrency=64]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "../src/dkim/keys";
import { keyRecordValue } from "../src/dkim/record";
import type { SlotSpec } from "../src/delegation/slot";
import { startDnsServer, type ZoneRecord, zoneFile } from "../test/support/dns-server";
import { startUnbound } from "../test/support/unbound";
import { log, ROOT, table } from "./measure";

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);

/** The goal: the full check of 10,000 customers x 2 slots within a minute, in under 300 MB. */
const GOAL_MS = 60_000;
const GOAL_RSS_MB = 300;

interface RunOutput {
  ms: number;
  maxRssMb: number;
  queries: number;
  retried: number;
  checked: number;
  skipped: number;
  counts: Record<string, number>;
}

async function main(): Promise<void> {
  const customers = arg("customers", 10_000);
  const pendingPercent = arg("pending", 5);
  const concurrency = arg("concurrency", 64);
  const dir = mkdtempSync(join(tmpdir(), "dkimctl-bench-delegation-"));
  log(`generating ${customers.toLocaleString("en-US")} customers, ${pendingPercent}% without records yet`);
  const specs: SlotSpec[] = [];
  const cnames: ZoneRecord[] = [];
  const keys: ZoneRecord[] = [];
  for (let i = 0; i < customers; i++) {
    const customer = `c${String(i).padStart(5, "0")}.customers.test`;
    const pending = i % 100 < pendingPercent;
    for (const slot of ["esp1", "esp2"]) {
      const target = `${slot}.c${i}.keys.esp.test`;
      const expected = keyRecordValue("ed25519", generateKeyPair("ed25519").publicKey);
      specs.push({ customer, slot, name: `${slot}._domainkey.${customer}`, target, keyZone: "esp.test", delegation: "cname", expected });
      keys.push({ name: `${target}.`, type: "TXT", ttl: 3600, value: expected });
      if (!pending) cnames.push({ name: `${slot}._domainkey.${customer}.`, type: "CNAME", ttl: 3600, value: target });
    }
  }
  const registry: ZoneRecord[] = [
    { name: "customers", type: "NS", ttl: 3600, value: "ns1.customers.test" },
    { name: "esp", type: "NS", ttl: 3600, value: "ns1.esp.test" },
  ];
  const reg = await startDnsServer([{ name: "test", zoneFile: zoneFile("test", registry) }]);
  const host = await startDnsServer([
    { name: "customers.test", zoneFile: zoneFile("customers.test", cnames) },
    { name: "esp.test", zoneFile: zoneFile("esp.test", keys) },
  ]);
  const unbound = await startUnbound({
    stubs: [
      { name: "test", servers: [reg.address] },
      { name: "customers.test", servers: [host.address] },
      { name: "esp.test", servers: [host.address] },
    ],
  });
  try {
    const input = join(dir, "slots.json");
    writeFileSync(input, JSON.stringify(specs));
    const nsAddresses = { "ns1.test": reg.address, "ns1.customers.test": host.address, "ns1.esp.test": host.address };
    const run = (label: string, opts: Record<string, unknown>): RunOutput => {
      log(`${label}...`);
      // The compiled check, as dkimctl runs it; peak memory from the kernel's count for the child alone.
      const script = `
        const { runDelegationCheck } = require(${JSON.stringify(join(ROOT, "dist/src/delegation/run.js"))});
        const specs = JSON.parse(require("node:fs").readFileSync(${JSON.stringify(input)}, "utf8"));
        const [host, port] = ${JSON.stringify(unbound.address)}.split(":");
        const pins = new Map(Object.entries(${JSON.stringify(nsAddresses)}).map(([n, a]) => [n, { host: a.split(":")[0], port: Number(a.split(":")[1]) }]));
        const opts = ${JSON.stringify(opts)};
        const started = process.hrtime.bigint();
        runDelegationCheck(specs, { ...opts, now: new Date(opts.now), resolvers: [{ host, port: Number(port) }], nsAddresses: pins }).then((r) => {
          const counts = {};
          for (const s of r.slots) counts[s.state] = (counts[s.state] || 0) + 1;
          console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024,
            queries: r.queries, retried: r.retried, checked: r.checked, skipped: r.skipped, counts }));
        });`;
      return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", maxBuffer: 1 << 24 }));
    };
    // No rate limit: a resolver of our own (the default of 100 a second is for public ones: 20,000 slots in about 4 minutes).
    const base = { concurrency, ratePerSecond: 0, statusFile: join(dir, "dkim.status.json"), backoffMs: 200 };
    const results: [string, RunOutput][] = [];
    results.push(["through unbound (first run)", run("the full check through unbound", { ...base, mode: "recursive", now: "2026-01-01T00:00:00Z" })]);
    results.push([
      "hourly: only what is not settled",
      run("an hour later, --recheck-after 1d", { ...base, mode: "recursive", now: "2026-01-01T01:00:00Z", recheckAfterMs: 86_400_000 }),
    ]);
    results.push([
      "--authoritative (full)",
      run("the full check asking the customers' servers", { ...base, statusFile: join(dir, "auth.json"), mode: "authoritative", now: "2026-01-01T00:00:00Z" }),
    ]);
    results.push([
      "through unbound, default concurrency (8)",
      run("the full check at the default concurrency", {
        ...base,
        concurrency: 8,
        statusFile: join(dir, "d.json"),
        mode: "recursive",
        now: "2026-01-01T00:00:00Z",
      }),
    ]);
    const rows = results.map(([label, r]) => [
      label,
      `${(r.ms / 1000).toFixed(1)} s`,
      `${r.maxRssMb.toFixed(0)} MB`,
      r.queries.toLocaleString("en-US"),
      String(r.retried),
      `${r.checked.toLocaleString("en-US")} / ${r.skipped.toLocaleString("en-US")}`,
      Object.entries(r.counts)
        .map(([s, n]) => `${s} ${n}`)
        .join(", "),
    ]);
    console.log(
      `\ndelegation check: ${customers.toLocaleString("en-US")} customers x 2 slots, concurrency ${concurrency} ` +
        `(goal: full check <= ${GOAL_MS / 1000} s, < ${GOAL_RSS_MB} MB)\n`,
    );
    console.log(table(["run", "time", "peak RSS", "queries", "retried", "checked / skipped", "slots"], rows).join("\n"));
    const full = results[0][1];
    const ok = full.ms <= GOAL_MS && full.maxRssMb < GOAL_RSS_MB;
    console.log(`\n${ok ? "within" : "OUTSIDE"} the goal: ${(full.ms / 1000).toFixed(1)} s, ${full.maxRssMb.toFixed(0)} MB`);
    if (!ok) process.exitCode = 1;
  } finally {
    await unbound.stop();
    await reg.stop();
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
