/**
 * The cdktf app in-process: what main.ts runs (buildApp, then runOrExit's
 * message and exit code on failure), without starting a node process and
 * loading cdktf again (about 1 s of CPU each). Tests about the compiled app
 * as `cdktf synth` starts it use synthApp (./project) instead.
 */
import { App } from "cdktf";
import { buildApp } from "../../src/app";
import { exitCodeFor, formatFailure } from "../../src/cli/report";

/** Synthesizes the app for `config` into `outdir`, as main.ts does: exit code, stdout, stderr. */
export function synthInProcess(config: string, outdir: string): { code: number; out: string; err: string } {
  try {
    buildApp(config, () => new App({ outdir })).synth();
    return { code: 0, out: "", err: "" };
  } catch (e) {
    return { code: exitCodeFor(e), out: "", err: formatFailure(e) };
  }
}
