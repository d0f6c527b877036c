/**
 * Start-up of the compiled CLI: `dkimctl --help`, `validate` and `records`
 * on the example, each beside the floor `node -e 0` (the cost of starting
 * node at all), measured interleaved in the same run; and the cost of the
 * stale-build check that every start of the bins pays (bin/build-state.js).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { check, childEnv, fmtMs, fmtRatio, log, type Measurement, measure, median, medianOf, ROOT, table } from "./measure";

/** `dkimctl validate` on the example: at most this many times the floor's CPU time (issue #20). */
export const TARGET_STARTUP_CPU_RATIO = 3;

export interface StartupResult {
  readonly floor: Measurement[];
  readonly commands: { readonly name: string; readonly runs: Measurement[] }[];
  /** One stale check in a fresh node process, ms, per run. */
  readonly checkMs: number[];
}

const DKIMCTL = join(ROOT, "bin", "dkimctl.js");

export function benchStartup(tmp: string, config: string, runs: number): StartupResult {
  const env = childEnv({});
  const floorArgv = [process.execPath, "-e", "0"];
  const commands = [
    { name: "dkimctl --help", argv: [process.execPath, DKIMCTL, "--help"] },
    { name: "dkimctl validate", argv: [process.execPath, DKIMCTL, "validate", "--config", config] },
    { name: "dkimctl records", argv: [process.execPath, DKIMCTL, "records", "--config", config] },
  ];
  log("start-up: warm-up (untimed), one run of each");
  measure(tmp, "node -e 0", floorArgv, env, { node: true });
  for (const c of commands) measure(tmp, c.name, c.argv, env, { node: true });

  const floor: Measurement[] = [];
  const measured = commands.map(() => [] as Measurement[]);
  for (let i = 1; i <= runs; i++) {
    // Interleaved, so a slow phase of the machine hits every command.
    floor.push(measure(tmp, "node -e 0", floorArgv, env, { node: true }));
    commands.forEach((c, j) => {
      measured[j].push(measure(tmp, c.name, c.argv, env, { node: true }));
    });
    log(
      `  start-up, run ${i}/${runs}: node -e 0 ${fmtMs(floor[i - 1].cpuMs ?? NaN)} CPU; ` +
        commands.map((c, j) => `${c.name.slice(8)} ${fmtMs(measured[j][i - 1].cpuMs ?? NaN)}`).join(", "),
    );
  }

  const checkMs: number[] = [];
  const script =
    "const t = process.hrtime.bigint(); " +
    `const r = require(${JSON.stringify(join(ROOT, "bin", "build-state.js"))}).staleReason(); if (r) throw new Error(r); ` +
    "process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));";
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, env, encoding: "utf8" });
    check("stale-build check", r);
    checkMs.push(Number(r.stdout));
  }
  return { floor, commands: commands.map((c, j) => ({ name: c.name, runs: measured[j] })), checkMs };
}

/** A command's median CPU time over the floor's. */
export function startupRatio(r: StartupResult, name: string): number {
  const c = r.commands.find((x) => x.name === name);
  return c ? medianOf(c.runs, "cpuMs") / medianOf(r.floor, "cpuMs") : Number.NaN;
}

export function formatStartup(r: StartupResult): string[] {
  const floorCpu = medianOf(r.floor, "cpuMs");
  const floorWall = medianOf(r.floor, "ms");
  const row = (name: string, ms: Measurement[]) => [
    name,
    fmtMs(medianOf(ms, "cpuMs")),
    fmtRatio(medianOf(ms, "cpuMs") / floorCpu),
    fmtMs(medianOf(ms, "ms")),
    fmtRatio(medianOf(ms, "ms") / floorWall),
  ];
  const lines = [
    `start-up (${DKIMCTL.slice(ROOT.length + 1)}, compiled; example config), ${r.floor.length} interleaved runs each: medians`,
    ...table(["command", "CPU", "CPU/floor", "wall", "wall/floor"], [row("node -e 0 (floor)", r.floor), ...r.commands.map((c) => row(c.name, c.runs))]).map(
      (l) => `  ${l}`,
    ),
    "  stale-build check (loading bin/build-state.js and one check, in a fresh process): " +
      `median ${median(r.checkMs).toFixed(2)} ms, max ${Math.max(...r.checkMs).toFixed(2)} ms`,
  ];
  for (const c of r.commands) {
    const ratio = startupRatio(r, c.name);
    lines.push(`target: ${c.name} CPU <= ${TARGET_STARTUP_CPU_RATIO}x node -e 0: ${fmtRatio(ratio)}  ${ratio <= TARGET_STARTUP_CPU_RATIO ? "MET" : "NOT MET"}`);
  }
  return lines;
}
