/**
 * dkimctl: the key work around the plan and the deploy, and running them (synth, plan, deploy). Each command
 * is a module of src/cli/commands/; this file only dispatches.
 */
import type { Command } from "./command";
import { checkPlan } from "./commands/check-plan";
import { exportKeys } from "./commands/export";
import { deploy } from "./commands/deploy";
import { init } from "./commands/init";
import { keys } from "./commands/keys";
import { plan } from "./commands/plan";
import { playground } from "./commands/playground";
import { records } from "./commands/records";
import { rotate } from "./commands/rotate";
import { stacks } from "./commands/stacks";
import { synth } from "./commands/synth";
import { validate } from "./commands/validate";
import { type Io, processIo } from "./io";
import { exitCodeFor, formatFailure, UsageError } from "./report";
import { didYouMean } from "../config/problems";
import { verify } from "./commands/verify";

const COMMANDS: Record<string, Command> = {
  init,
  validate,
  keys,
  rotate,
  records,
  export: exportKeys,
  verify,
  "check-plan": checkPlan,
  stacks,
  synth,
  plan,
  deploy,
  playground,
};

export const USAGE = `dkimctl: DKIM keys as infrastructure code

Usage:
${Object.values(COMMANDS)
  .flatMap((c) => c.usage)
  .join("\n")}

--config defaults to $DKIMCTL_CONFIG, else domains.yaml; dkim.lock.yaml sits beside it.
--key-store defaults to $DKIMCTL_KEY_STORE, else .dkim/keys/ beside the config.
Commands that write the lock or the key store (keys, keys import, rotate) take turns: a second run waits for the first.
Exit status: 0 success, 1 invalid input or a failed check, 2 usage error.
"dkimctl COMMAND --help" or "dkimctl help COMMAND" prints a command's own usage and options.
`;

/** The command `words` name (`keys import`: keys' subcommand import) and the arguments after it; undefined when the first is no command. */
function resolve(words: string[]): { command: Command; path: string; args: string[] } | undefined {
  const [name, ...rest] = words;
  let command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return undefined;
  let path = name;
  let args = rest;
  while (command.subcommands && args[0] !== undefined && Object.hasOwn(command.subcommands, args[0])) {
    path = `${path} ${args[0]}`;
    command = command.subcommands[args[0]];
    args = args.slice(1);
  }
  return { command, path, args };
}

function unknownCommand(name: string): UsageError {
  const guess = didYouMean(name, Object.keys(COMMANDS));
  return new UsageError(`unknown command '${name}'${guess ? `: did you mean '${guess}'?` : ""}`);
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || ((name === "help" || name === "--help" || name === "-h") && rest.length === 0)) {
      (name === undefined ? io.err : io.out)(USAGE);
      return name === undefined ? 2 : 0;
    }
    if (name === "help") {
      // dkimctl help COMMAND [SUBCOMMAND]: that command's own help.
      const found = resolve(rest);
      if (!found) throw unknownCommand(rest[0]);
      if (found.args.length) throw new UsageError(`'${found.path}' has no command '${found.args[0]}'`);
      io.out(found.command.help);
      return 0;
    }
    const found = resolve(argv);
    if (!found) throw unknownCommand(name);
    if (found.args.includes("--help") || found.args.includes("-h")) {
      io.out(found.command.help);
      return 0;
    }
    try {
      return await found.command.run(found.args, io);
    } catch (e) {
      if (e instanceof UsageError) e.command ??= found.path;
      throw e;
    }
  } catch (e) {
    io.err(formatFailure(e));
    return exitCodeFor(e);
  }
}

/** Every command and subcommand by the words that name it (`keys import`), for the tests that walk them. */
export function allCommands(): Map<string, Command> {
  const out = new Map<string, Command>();
  const walk = (path: string, c: Command) => {
    out.set(path, c);
    for (const [sub, s] of Object.entries(c.subcommands ?? {})) walk(`${path} ${sub}`, s);
  };
  for (const [name, c] of Object.entries(COMMANDS)) walk(name, c);
  return out;
}
