/** `dkimctl deploy [STACK...]`: synth, then `terraform init` and `terraform apply` in each stack, without the cdktf CLI. */
import type { Command } from "../command";
import { parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { UsageError } from "../report";
import { PARALLELISM_OPTION, terraformEachStack } from "../synthesized";

const USAGE = ["  dkimctl deploy [STACK...] [--auto-approve] [--parallelism N] [--config FILE]"];
const OPTIONS = withCommon(
  {
    "auto-approve": { type: "boolean", help: "apply each stack's plan without asking (required where stdin is not a terminal, as in CI)" },
    parallelism: { ...PARALLELISM_OPTION, help: `${PARALLELISM_OPTION.help}; with --auto-approve only (apply asks one stack at a time)` },
  },
  { readsKeys: false },
);

export const deploy: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    `Synthesizes (as dkimctl synth), then in each STACK's directory (default: every stack, one after another) runs
'terraform init' and 'terraform apply', which shows the plan and asks before it changes anything: what 'cdktf
deploy' does, without the cdktf CLI and its provider-lock step. With --auto-approve, several stacks are applied
--parallelism at a time, each one's output shown whole when it ends. No stack starts after one failed. Terraform (1.5
or later) must be on PATH; it runs with CHECKPOINT_DISABLE=1 unless that is set. Exit status 0 when every stack was
applied, 1 when one failed, 2 for a STACK that is no stack.`,
    OPTIONS,
  ),
  async run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, Number.MAX_SAFE_INTEGER);
    const autoApprove = values["auto-approve"] === true;
    if (!autoApprove && !process.stdin.isTTY)
      throw new UsageError("terraform apply asks before it changes anything, and stdin is not a terminal: give --auto-approve");
    return terraformEachStack(io, values, positionals, "apply", { autoApprove, stopOnFailure: true });
  },
};
