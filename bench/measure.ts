/**
 * Timing fresh child processes for `npm run bench`: wall time measured here,
 * CPU time (user + system) and peak memory reported by each node child
 * itself (bench/report-usage.js, preloaded with -r).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

export const ROOT = resolve(__dirname, "..");

export interface Measurement {
  /** Wall time, ms. */
  readonly ms: number;
  /** CPU time of the child, user + system, ms (node children only). */
  readonly cpuMs?: number;
  /** Max RSS in KB (node children only). */
  readonly rssKb?: number;
}

export const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
export const out = (m = "") => process.stdout.write(`${m}\n`);

/** The environment of every child: the parent's, minus anything that would redirect the app. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of [
    "DKIMCTL_CONFIG",
    "DKIMCTL_KEY_STORE",
    "DKIMCTL_DEBUG",
    "CDKTF_OUTDIR",
    "CDKTF_CONTEXT_JSON",
    "CDKTF_TARGET_STACK_ID",
    "SYNTH_HCL_OUTPUT",
    "NODE_OPTIONS",
  ])
    delete env[k];
  return { ...env, CHECKPOINT_DISABLE: "1", ...extra };
}

let seq = 0;

/**
 * Runs a command once, timed, in `cwd` (default ROOT). `node: true` means argv[0] is node,
 * so the usage probe can be preloaded; usage files go to `tmp`.
 */
export function measure(tmp: string, label: string, argv: string[], env: NodeJS.ProcessEnv, opts: { node: boolean; cwd?: string }): Measurement {
  const usageFile = join(tmp, `usage-${++seq}.json`);
  const args = opts.node ? ["-r", join(__dirname, "report-usage.js"), ...argv.slice(1)] : argv.slice(1);
  const t0 = performance.now();
  const r = spawnSync(argv[0], args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.node ? { ...env, BENCH_USAGE_FILE: usageFile } : env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    encoding: "utf8",
  });
  const ms = performance.now() - t0;
  check(label, r);
  if (!opts.node || !existsSync(usageFile)) return { ms };
  const u = JSON.parse(readFileSync(usageFile, "utf8")) as { userUs: number; systemUs: number; maxRssKb: number };
  rmSync(usageFile, { force: true });
  return { ms, cpuMs: (u.userUs + u.systemUs) / 1000, rssKb: u.maxRssKb };
}

export function check(label: string, r: SpawnSyncReturns<string>): void {
  if (r.error) throw new Error(`${label}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = (s: string) => s.trim().split("\n").slice(-20).join("\n");
    throw new Error(`${label} failed (exit ${r.status ?? r.signal}):\n${tail(r.stderr ?? "")}\n${tail(r.stdout ?? "")}`);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of a field over measurements that have it; NaN when none does. */
export const medianOf = (ms: readonly Measurement[], field: "ms" | "cpuMs"): number => {
  const xs = ms.map((m) => m[field]).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : NaN;
};

export const fmtMs = (ms: number) => (Number.isNaN(ms) ? "n/a" : `${Math.round(ms).toLocaleString("en-US")} ms`);
export const fmtMb = (kb: number | undefined) => (kb === undefined ? "n/a" : `${Math.round(kb / 1024)} MB`);
export const fmtRatio = (x: number) => (Number.isNaN(x) ? "n/a" : `${x.toFixed(2)}x`);
export const maxOf = (xs: (number | undefined)[]) => {
  const ns = xs.filter((x): x is number => x !== undefined);
  return ns.length ? Math.max(...ns) : undefined;
};

/** Right-aligned columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  return [line(header), ...rows.map(line)];
}
