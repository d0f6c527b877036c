/**
 * What `cdktf synth` does, without cdktf's CLI: run cdktf.json's app with
 * CDKTF_OUTDIR set, read the manifest it writes, and remove the directories
 * an earlier synth left for stacks the app no longer writes, as cdktf-cli's
 * synth does (@cdktf/cli-core, src/lib/synth-stack.ts), unless they hold state.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import type { CdktfProject } from "./cdktf-json";
import { type ChildOutput, runChild } from "./child";

export interface SynthesizedStack {
  /** The stack's name (a zone's stack: the zone with dots as hyphens). */
  readonly name: string;
  /** Its working directory, absolute: where Terraform runs. */
  readonly dir: string;
}

/** The app failed: it has printed why (passed on as it came). */
export class SynthFailed extends Error {}

interface Manifest {
  stacks?: Record<string, { name: string; workingDirectory: string; annotations?: { level: string; constructPath: string; message: string }[] }>;
}

/**
 * Runs the app of `project` and returns the stacks it wrote, in the
 * manifest's order. Its output goes to `to`; its warnings (cdktf
 * annotations) are passed on too.
 */
export async function synthesize(project: CdktfProject, env: NodeJS.ProcessEnv, to: ChildOutput): Promise<SynthesizedStack[]> {
  const stacksDir = join(project.outdir, "stacks");
  const before = existsSync(stacksDir) ? readdirSync(stacksDir) : [];
  const app = await runChild(project.app, [], { cwd: project.dir, env: { ...env, CDKTF_OUTDIR: project.outdir }, shell: true, to });
  if (app.code !== 0) throw new SynthFailed(`the app (cdktf.json: ${project.app}) exited with status ${app.code}`);
  const file = join(project.outdir, "manifest.json");
  if (!existsSync(file)) throw new SynthFailed(`the app (cdktf.json: ${project.app}) wrote no ${relative(project.dir, file)}: does it call app.synth()?`);
  const manifest: Manifest = JSON.parse(readFileSync(file, "utf8"));
  const stacks = Object.values(manifest.stacks ?? {});
  for (const s of stacks) for (const a of s.annotations ?? []) if (a.level === "@cdktf/warn") to.err(`warning: ${a.constructPath}: ${a.message}\n`);
  const names = new Set(stacks.map((s) => s.name));
  // A directory is an earlier synth's stack when it holds the stack's Terraform JSON; one that holds state is kept.
  for (const name of before) {
    const dir = join(stacksDir, name);
    if (names.has(name) || !existsSync(join(dir, "cdk.tf.json"))) continue;
    const states = readdirSync(dir).filter((f) => f.endsWith(".tfstate"));
    if (states.length === 0) rmSync(dir, { recursive: true, force: true });
    else to.err(`warning: ${relative(project.dir, dir)} is left as it is: the app no longer writes stack ${name}, and it holds ${states.join(", ")}\n`);
  }
  return stacks.map((s) => ({ name: s.name, dir: join(project.outdir, s.workingDirectory) }));
}
