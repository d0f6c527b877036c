/**
 * dkimctl: the key work around `cdktf plan` / `cdktf deploy`. Each command
 * is a module of src/cli/commands/; this file only dispatches.
 */
import type { Command } from "./command";
import { checkPlan } from "./commands/check-plan";
import { exportKeys } from "./commands/export";
import { init } from "./commands/init";
import { keys } from "./commands/keys";
import { records } from "./commands/records";
import { rotate } from "./commands/rotate";
import { stacks } from "./commands/stacks";
import { validate } from "./commands/validate";
import { type Io, processIo } from "./io";
import { exitCodeFor, formatFailure, UsageError } from "./report";
import { didYouMean } from "../config/problems";
import { verify } from "./commands/verify";

const COMMANDS: Record<string, Command> = { init, validate, keys, rotate, records, export: exportKeys, verify, "check-plan": checkPlan, stacks };

export const USAGE = `dkimctl: DKIM keys as infrastructure code

Usage:
${Object.values(COMMANDS)
  .flatMap((c) => c.usage)
  .join("\n")}

--config defaults to $DKIMCTL_CONFIG, else domains.yaml; dkim.lock.yaml sits beside it.
--key-store defaults to $DKIMCTL_KEY_STORE, else .dkim/keys/ beside the config.
Commands that write the lock or the key store (keys, keys import, rotate) take turns: a second run waits for the first.
Exit status: 0 success, 1 invalid input or a failed check, 2 usage error.
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) {
      const guess = didYouMean(name, Object.keys(COMMANDS));
      throw new UsageError(`unknown command '${name}'${guess ? `: did you mean '${guess}'?` : ""}`);
    }
    if (args.includes("--help") || args.includes("-h")) {
      io.out(command.help ?? USAGE);
      return 0;
    }
    return await command.run(args, io);
  } catch (e) {
    io.err(formatFailure(e));
    return exitCodeFor(e);
  }
}
