/** `dkimctl plan [STACK...]`: synth, then `terraform init` and `terraform plan` in each stack, without the cdktf CLI. */
import { runStacks } from "../../terraform/terraform";
import type { Command } from "../command";
import { parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { chooseStacks, noColor, PARALLELISM_OPTION, parallelism, synthesizeProject } from "../synthesized";

const USAGE = ["  dkimctl plan [STACK...] [--parallelism N] [--config FILE]"];
const OPTIONS = withCommon({ parallelism: PARALLELISM_OPTION }, { readsKeys: false });

export const plan: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    `Synthesizes (as dkimctl synth), then in each STACK's directory (default: every stack) runs 'terraform init' and
'terraform plan': what 'cdktf diff' does, without the cdktf CLI and its provider-lock step, so that it works offline
with a filesystem mirror of the providers. Several stacks are planned --parallelism at a time, each one's output
shown whole when it ends. Terraform (1.5 or later) must be on PATH; it runs with CHECKPOINT_DISABLE=1
unless that is set. Exit status 0 when every plan ran, 1 when one failed (each failure is named), 2 for a STACK that
is no stack.`,
    OPTIONS,
  ),
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, Number.MAX_SAFE_INTEGER);
    const limit = parallelism(values.parallelism);
    const project = await synthesizeProject(io, values);
    const failed = await runStacks(chooseStacks(project.stacks, positionals), "plan", {
      env: project.env,
      to: io,
      noColor: noColor(io),
      base: project.base,
      parallelism: limit,
      stopOnFailure: false,
    });
    for (const f of failed) io.err(`error: ${f}\n`);
    return failed.length ? 1 : 0;
  },
};
