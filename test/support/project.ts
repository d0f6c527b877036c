/** Helpers shared by tests: temp projects and the dkimctl CLI run in-process or as a child. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main";

export const ROOT = join(__dirname, "..", "..");

const made: string[] = [];

/**
 * Temp projects hold private keys: test/support/cleanup.ts removes them after
 * each test file (DKIMCTL_KEEP_TEMP=1 keeps them for debugging).
 */
export function removeTempDirs(): void {
  if (process.env.DKIMCTL_KEEP_TEMP) return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix = "dkimctl-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A temp project holding `domains.yaml` with `text`; returns its paths. */
export function tempProject(text: string): { dir: string; config: string; lock: string; store: string } {
  const dir = tempDir();
  const config = join(dir, "domains.yaml");
  writeFileSync(config, text);
  return { dir, config, lock: join(dir, "dkim.lock.yaml"), store: join(dir, ".dkim", "keys") };
}

/** Runs dkimctl in-process, capturing output. */
export async function dkimctl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), progress: false });
  return { code, out, err };
}

/** Runs the real bin (a child process, the compiled CLI in dist/), as users do. */
export function dkimctlBin(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "dkimctl.js"), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Runs the cdktf app (what `cdktf synth` runs: cdktf.json's app, compiled) for a config into `outdir`. */
export function synthApp(config: string, outdir: string) {
  const r = spawnSync(process.execPath, ["-r", join(ROOT, "bin", "check-build.js"), join(ROOT, "dist", "main.js")], {
    cwd: ROOT,
    env: { ...process.env, DKIMCTL_CONFIG: config, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
