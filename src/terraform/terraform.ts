/**
 * Terraform in a synthesized stack's directory, as the cdktf CLI runs it but
 * without its provider-lock step (which needs the registry): `terraform
 * init`, shown only when it fails, then `plan` or `apply`.
 */
import { relative } from "node:path";
import { mapLimit } from "../map-limit";
import { type ChildOutput, runChild } from "./child";
import { providerInstallHint } from "./install-hint";
import type { SynthesizedStack } from "./synth";

export type StackAction = "plan" | "apply";

export interface StackRunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly to: ChildOutput;
  /** Give Terraform -no-color (output that is not a terminal, or NO_COLOR set). */
  readonly noColor: boolean;
  /** apply without asking for approval. */
  readonly autoApprove?: boolean;
  /** The directory paths are shown relative to. */
  readonly base: string;
}

/** The environment Terraform and the app run with: no version check against HashiCorp's servers unless asked for. */
export function terraformEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, CHECKPOINT_DISABLE: env.CHECKPOINT_DISABLE ?? "1" };
}

async function terraform(args: string[], cwd: string, opts: StackRunOptions, shown: boolean) {
  try {
    return await runChild("terraform", args, { cwd, env: opts.env, to: shown ? opts.to : undefined, stdin: shown ? "inherit" : "ignore" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error("terraform is not on PATH: install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install), then run this again");
    throw e;
  }
}

/** Runs init, then `action`, in the stack's directory. Returns why it failed, or undefined. */
export async function runStack(stack: SynthesizedStack, action: StackAction, opts: StackRunOptions): Promise<string | undefined> {
  const where = relative(opts.base, stack.dir) || ".";
  const color = opts.noColor ? ["-no-color"] : [];
  const init = await terraform(["init", "-input=false", ...color], stack.dir, opts, false);
  if (init.code !== 0) {
    const hint = providerInstallHint(init.output, stack.dir, opts.env);
    opts.to.err(`${init.output.trimEnd()}\n`);
    return `terraform init failed in ${where}${hint ? `\nhint: ${hint}` : ""}`;
  }
  const args = action === "plan" ? ["plan", "-input=false", ...color] : ["apply", ...(opts.autoApprove ? ["-auto-approve", "-input=false"] : []), ...color];
  const run = await terraform(args, stack.dir, opts, true);
  return run.code === 0 ? undefined : `terraform ${action} failed in ${where} (exit status ${run.code})`;
}

/** How many stacks plan (or deploy --auto-approve) runs at once by default: each Terraform loads its provider, hundreds of MB. */
export const DEFAULT_PARALLELISM = 4;

/**
 * Runs `action` in each stack and returns why each that failed did. Where
 * apply asks (no autoApprove), or there is one stack, one at a time with
 * Terraform's output as it comes; otherwise up to `parallelism` at once, each
 * stack's output passed on whole when it ends. `stopOnFailure`: start no
 * stack after one failed (deploy).
 */
export async function runStacks(
  stacks: readonly SynthesizedStack[],
  action: StackAction,
  opts: StackRunOptions & { readonly parallelism: number; readonly stopOnFailure: boolean },
): Promise<string[]> {
  const failures: string[] = [];
  const header = (stack: SynthesizedStack) => `== ${stack.name}: terraform ${action}\n`;
  const together = stacks.length > 1 && (action === "plan" || opts.autoApprove === true) && opts.parallelism > 1;
  await mapLimit(stacks, together ? opts.parallelism : 1, async (stack) => {
    if (opts.stopOnFailure && failures.length) return;
    if (!together) {
      opts.to.out(header(stack));
      const failure = await runStack(stack, action, opts);
      if (failure) failures.push(failure);
      return;
    }
    const held: [keyof ChildOutput, string][] = [];
    const failure = await runStack(stack, action, { ...opts, to: { out: (t) => void held.push(["out", t]), err: (t) => void held.push(["err", t]) } });
    opts.to.out(header(stack));
    for (const [stream, text] of held) opts.to[stream](text);
    if (failure) failures.push(failure);
  });
  return failures;
}
