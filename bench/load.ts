/**
 * Loading a large project as every command does (bench/load-child.js:
 * domains.yaml, dkim.lock.yaml and the one input check), in fresh node
 * processes with the compiled dist/: the loading itself (after the modules
 * are loaded) against a fixed target, and the modules apart.
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { GeneratedConfig } from "./generate";
import { childEnv, fmtMb, fmtMs, fmtRatio, log, type Measurement, maxOf, measure, median, table } from "./measure";

/** Loading domains.yaml and the lock of 10,000 domains (20,000 keys) takes at most this long. */
export const TARGET_LOAD_MS = 1200;

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export interface LoadResult {
  readonly generated: GeneratedConfig;
  readonly runs: { readonly process: Measurement; readonly modules: Timing; readonly loading: Timing }[];
  readonly domains: number;
  readonly keys: number;
  readonly records: number;
}

export function benchLoad(tmp: string, g: GeneratedConfig, runs: number): LoadResult {
  const out: LoadResult["runs"][number][] = [];
  let counts = { domains: 0, keys: 0, records: 0 };
  for (let i = 1; i <= runs; i++) {
    const file = join(tmp, `load-${i}.json`);
    const argv = [process.execPath, join(__dirname, "load-child.js"), g.configFile];
    const m = measure(tmp, `load (${g.size} domains)`, argv, childEnv({ BENCH_LOAD_FILE: file }), { node: true });
    const r = JSON.parse(readFileSync(file, "utf8")) as { modules: Timing; loading: Timing; domains: number; keys: number; records: number };
    rmSync(file);
    counts = { domains: r.domains, keys: r.keys, records: r.records };
    if (r.domains !== g.size || r.keys !== g.keys || r.records !== g.records)
      throw new Error(`load read ${r.domains} domains, ${r.keys} keys, ${r.records} records; generated ${g.size}, ${g.keys}, ${g.records}`);
    log(`  load, run ${i}/${runs}: ${fmtMs(r.loading.wallMs)} (CPU ${fmtMs(r.loading.cpuMs)}); modules ${fmtMs(r.modules.wallMs)}; ${fmtMb(m.rssKb)}`);
    out.push({ process: m, modules: r.modules, loading: r.loading });
  }
  return { generated: g, runs: out, ...counts };
}

export function loadRatio(r: LoadResult): number {
  return median(r.runs.map((x) => x.loading.wallMs)) / TARGET_LOAD_MS;
}

export function formatLoad(r: LoadResult): string[] {
  const med = (f: (x: LoadResult["runs"][number]) => number) => fmtMs(median(r.runs.map(f)));
  const kb = (name: string) => `${(statSync(name).size / 1e6).toFixed(1)} MB`;
  return [
    `load (bench/load-child.js: src/cli/common.ts load(), as every command reads a project; compiled), ${r.runs.length} runs: medians`,
    `  project: ${r.domains.toLocaleString("en-US")} domains (domains.yaml ${kb(r.generated.configFile)}), ` +
      `${r.keys.toLocaleString("en-US")} keys (dkim.lock.yaml ${kb(r.generated.lockFile)}), ${r.records.toLocaleString("en-US")} records`,
    ...table(
      ["", "wall", "CPU"],
      [
        ["modules (require)", med((x) => x.modules.wallMs), med((x) => x.modules.cpuMs)],
        ["loading (config, lock, input check)", med((x) => x.loading.wallMs), med((x) => x.loading.cpuMs)],
        ["whole process", med((x) => x.process.ms), med((x) => x.process.cpuMs ?? Number.NaN)],
      ],
    ).map((l) => `  ${l}`),
    `  peak ${fmtMb(maxOf(r.runs.map((x) => x.process.rssKb)))}; loading runs (wall ms): ${r.runs.map((x) => Math.round(x.loading.wallMs)).join(", ")}`,
    `target: loading <= ${TARGET_LOAD_MS} ms: ${fmtRatio(loadRatio(r))} of it  ${loadRatio(r) <= 1 ? "MET" : "NOT MET"}`,
  ];
}
