/**
 * A temp cdktf project that runs this repository's app (main.ts) from its
 * own directory, so `dkimctl deploy` keeps state and cdktf.out there, exactly
 * as a user's project would, with no change to the product's configuration.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tempDir, tempProject } from "./project";
import { terraformAsync } from "./terraform";

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

export interface CommandResult {
  code: number;
  out: string;
}

/**
 * Runs `dkimctl synth | plan | deploy ...` in the project, as its npm scripts
 * run them (the compiled bin: no cdktf CLI), stdout and stderr into one file
 * as a CI log takes them (`2>&1`): one descriptor keeps the order in which
 * they were written, which two pipes read side by side do not.
 */
export function projectCommand(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  const log = join(tempDir(), "output.log");
  const fd = openSync(log, "w");
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "dkimctl.js"), ...args], {
      cwd: opts.cwd,
      env: { ...opts.env, NO_COLOR: "1" },
      stdio: ["ignore", fd, fd],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out: readFileSync(log, "utf8") });
    });
  }).finally(() => closeSync(fd));
}

/** The output of `dkimctl plan` or `deploy` of several stacks, by stack: each one's block under its `== STACK: terraform ...` line. */
export function stackBlocks(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .split(/^== /m)
      .slice(1)
      .map((b) => [b.slice(0, b.indexOf(":")), b]),
  );
}

/** `terraform destroy` in each synthesized stack of the project (what `cdktf destroy` does): the first failure, or undefined. */
export async function destroyStacks(dir: string, stacks: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const stack of stacks) {
    const r = await terraformAsync(["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: join(dir, "cdktf.out", "stacks", stack), env });
    if (r.status !== 0) return `${stack}: ${r.stdout}${r.stderr}`;
  }
  return undefined;
}
