/** `dkimctl plan [STACK...]`: synth, then `terraform init` and `terraform plan` in each stack, without the cdktf CLI. */
import type { Command } from "../command";
import { parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { PARALLELISM_OPTION, terraformEachStack } from "../synthesized";

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
    return terraformEachStack(io, values, positionals, "plan", { stopOnFailure: false });
  },
};
