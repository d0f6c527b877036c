/** `dkimctl synth`: the Terraform JSON of every stack into cdktf.out/, as `cdktf synth` writes it, without the cdktf CLI. */
import type { Command } from "../command";
import { parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { synthesizeProject } from "../synthesized";

const USAGE = ["  dkimctl synth [--config FILE]"];
const OPTIONS = withCommon({}, { readsKeys: false });

export const synth: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    `Checks domains.yaml, then runs cdktf.json's app (in the working directory, else beside the config), which writes
the Terraform JSON of each stack into cdktf.out/stacks/<stack>/ (one stack per zone): what 'cdktf synth' does,
without the cdktf CLI, on every supported Node. Stacks of an earlier synth that the app no longer writes are removed
(unless they hold state). Prints the stacks on stderr. Exit status 0 when the app succeeded, 1 otherwise.`,
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    await synthesizeProject(io, values);
    return 0;
  },
};
