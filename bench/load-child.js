// Run by bench/load.ts in a fresh node process: loads a project as every
// command does (src/cli/common.ts `load`: domains.yaml, dkim.lock.yaml and
// the one input check), with the compiled dist/, and writes to $BENCH_LOAD_FILE
// how long the modules took to load and how long the loading itself took
// (wall and CPU, ms), and how many domains, keys and records it read.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { performance } = require("node:perf_hooks");

const config = process.argv[2];
const cpuMs = (u) => (u.user + u.system) / 1000;
const t0 = performance.now();
const c0 = process.cpuUsage();
const { load } = require(join(__dirname, "..", "dist", "src", "cli", "common.js"));
const modules = { wallMs: performance.now() - t0, cpuMs: cpuMs(process.cpuUsage(c0)) };
const t1 = performance.now();
const c1 = process.cpuUsage();
const io = { out: () => {}, err: (m) => process.stderr.write(m), progress: false };
const { config: loaded, lock, records } = load(io, { config }, { quiet: true });
const loading = { wallMs: performance.now() - t1, cpuMs: cpuMs(process.cpuUsage(c1)) };
writeFileSync(
  process.env.BENCH_LOAD_FILE,
  JSON.stringify({ modules, loading, domains: loaded.domains.length, keys: lock.entries().length, records: records.length }),
);
