/**
 * What synth, plan and deploy share: the project's config checked as every
 * command checks it, cdktf.json found, and the app run into cdktf.out/
 * (no cdktf CLI: src/terraform/), then the stacks named on the command line.
 */
import { dirname, relative, resolve } from "node:path";
import { didYouMean } from "../config/problems";
import { findCdktfProject } from "../terraform/cdktf-json";
import { type SynthesizedStack, synthesize } from "../terraform/synth";
import { DEFAULT_PARALLELISM, runStacks, type StackAction, terraformEnvironment } from "../terraform/terraform";
import { load, type ProjectOptions } from "./common";
import type { Io } from "./io";
import { UsageError } from "./report";

export interface Synthesized {
  readonly stacks: readonly SynthesizedStack[];
  /** The directory of cdktf.json: paths are shown relative to it. */
  readonly base: string;
  /** The environment Terraform runs with (as the app ran). */
  readonly env: NodeJS.ProcessEnv;
}

/** Checks the config, then runs cdktf.json's app (cdktf.json in the working directory, else beside the config). */
export async function synthesizeProject(io: Io, options: ProjectOptions): Promise<Synthesized> {
  const { config } = load(io, options);
  const project = findCdktfProject([process.cwd(), dirname(resolve(config.file))]);
  // The app reads the config this command checked.
  const env = terraformEnvironment({ ...process.env, DKIMCTL_CONFIG: resolve(config.file) });
  const stacks = await synthesize(project, env, io);
  const where = relative(process.cwd(), project.outdir) || ".";
  io.err(`synthesized ${stacks.length} stack${stacks.length === 1 ? "" : "s"} into ${where}: ${stacks.map((s) => s.name).join(", ") || "none"}\n`);
  return { stacks, base: process.cwd(), env };
}

/** The stacks `names` names (all when none), in the manifest's order; a usage error for a name that is no stack. */
function chooseStacks(stacks: readonly SynthesizedStack[], names: readonly string[]): SynthesizedStack[] {
  if (names.length === 0) return [...stacks];
  const known = stacks.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    throw new UsageError(
      unknown
        .map((n) => {
          const guess = didYouMean(n, known);
          return `no stack '${n}'${guess ? ` (did you mean '${guess}'?)` : ""}: the stacks are ${known.join(", ") || "none"} ('dkimctl stacks' lists them)`;
        })
        .join("\nerror: "),
    );
  return stacks.filter((s) => names.includes(s.name));
}

/** plan's and deploy's --parallelism. */
export const PARALLELISM_OPTION = {
  type: "string",
  arg: "N",
  help: `how many stacks run Terraform at once (default ${DEFAULT_PARALLELISM}; each loads its provider, hundreds of MB)`,
} as const;

/** --parallelism's value: a whole number from 1. */
function parallelism(given: string | undefined): number {
  if (given === undefined) return DEFAULT_PARALLELISM;
  const n = Number(given);
  if (!/^\d+$/.test(given) || n < 1) throw new UsageError(`--parallelism must be a whole number from 1, not '${given}'`);
  return n;
}

/** Terraform's colours only where its output is a terminal that wants them. */
function noColor(io: Io): boolean {
  return !io.outIsTTY || process.env.NO_COLOR !== undefined;
}

/**
 * plan's and deploy's run: synth, then `terraform ACTION` in each stack `names` names (all when none), --parallelism
 * at a time; each failure named on stderr. Exit status 1 when one failed.
 */
export async function terraformEachStack(
  io: Io,
  options: ProjectOptions & { readonly parallelism?: string },
  names: readonly string[],
  action: StackAction,
  how: { readonly autoApprove?: boolean; readonly stopOnFailure: boolean },
): Promise<number> {
  const limit = parallelism(options.parallelism);
  const project = await synthesizeProject(io, options);
  const failed = await runStacks(chooseStacks(project.stacks, names), action, {
    env: project.env,
    to: io,
    noColor: noColor(io),
    base: project.base,
    parallelism: limit,
    ...how,
  });
  for (const f of failed) io.err(`error: ${f}\n`);
  return failed.length ? 1 : 0;
}
