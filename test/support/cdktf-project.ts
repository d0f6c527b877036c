/**
 * A temp cdktf project that runs this repository's app (main.ts) from its
 * own directory, so `cdktf deploy` keeps state and cdktf.out there, exactly
 * as a user's checkout would, with no change to the product's configuration.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tempProject } from "./project";

export function cdktfProject(yaml: string) {
  const p = tempProject(yaml);
  writeFileSync(
    join(p.dir, "cdktf.json"),
    JSON.stringify({
      language: "typescript",
      app: `node -r ${join(ROOT, "bin", "check-build.js")} ${join(ROOT, "dist", "main.js")}`, // what cdktf.json runs: the compiled app
      projectId: "dkimctl-e2e",
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: {},
    }),
  );
  return p;
}

export interface CdktfResult {
  code: number;
  out: string;
}

/** Runs the cdktf CLI (stdout and stderr together, as a CI log shows them). */
export function cdktf(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CdktfResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, "node_modules", ".bin", "cdktf"), args, {
      cwd: opts.cwd,
      env: { ...opts.env, CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}
