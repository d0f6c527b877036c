/**
 * dkimctl: the key work around the plan and the deploy, and running them (synth, plan, deploy). Each command
 * is a module of src/cli/commands/; this file only dispatches.
 */
import { readFileSync } from "node:fs";
import type { Command } from "./command";
import { type Io, processIo } from "./io";
import { exitCodeFor, formatFailure, UsageError } from "./report";
import { didYouMean } from "../config/problems";
import { findTopic, type HelpTopic, helpTopics, topicList } from "./help-topics";
import { CONFIG_DEFAULT } from "./common";

/**
 * Each command's module, required when that command runs (or when the help
 * lists every command), so that a command loads only the modules it uses:
 * validate never loads what verify, check-plan or init need.
 */
const COMMANDS: Record<string, () => Command> = {
  init: () => (require("./commands/init") as typeof import("./commands/init")).init,
  validate: () => (require("./commands/validate") as typeof import("./commands/validate")).validate,
  keys: () => (require("./commands/keys") as typeof import("./commands/keys")).keys,
  rotate: () => (require("./commands/rotate") as typeof import("./commands/rotate")).rotate,
  records: () => (require("./commands/records") as typeof import("./commands/records")).records,
  instructions: () => (require("./commands/instructions") as typeof import("./commands/instructions")).instructions,
  export: () => (require("./commands/export") as typeof import("./commands/export")).exportKeys,
  verify: () => (require("./commands/verify") as typeof import("./commands/verify")).verify,
  "check-plan": () => (require("./commands/check-plan") as typeof import("./commands/check-plan")).checkPlan,
  stacks: () => (require("./commands/stacks") as typeof import("./commands/stacks")).stacks,
  synth: () => (require("./commands/synth") as typeof import("./commands/synth")).synth,
  plan: () => (require("./commands/plan") as typeof import("./commands/plan")).plan,
  deploy: () => (require("./commands/deploy") as typeof import("./commands/deploy")).deploy,
  playground: () => (require("./commands/playground") as typeof import("./commands/playground")).playground,
};

/** `dkimctl --help`: every command's usage (this loads every command's module). */
export function usage(): string {
  return `dkimctl: DKIM keys as infrastructure code

Usage:
${Object.values(COMMANDS)
  .flatMap((c) => c().usage)
  .join("\n")}

--config defaults to ${CONFIG_DEFAULT}; dkim.lock.yaml sits beside it.
--key-store defaults to $DKIMCTL_KEY_STORE, else .dkim/keys/ beside the config.
Commands that write the lock or the key store (keys, keys import, rotate) take turns: a second run waits for the first.
Exit status: 0 success, 1 invalid input or a failed check, 2 usage error.
"dkimctl COMMAND --help" or "dkimctl help COMMAND" prints a command's own usage and options.
"dkimctl help" lists the help topics, the pages of the documentation; "dkimctl help TOPIC" prints one.
`;
}

/** The command `words` name (`keys import`: keys' subcommand import) and the arguments after it; undefined when the first is no command. */
function resolve(words: string[]): { command: Command; path: string; args: string[] } | undefined {
  const [name, ...rest] = words;
  let command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name]() : undefined;
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

/** `dkimctl help WORDS...`: a command's help, else a page of the documentation (its path on stderr). */
function help(words: string[], io: Io): number {
  const found = resolve(words);
  const topics = helpTopics();
  if (found) {
    if (found.args.length) throw new UsageError(`'${found.path}' has no command '${found.args[0]}'`);
    io.out(commandHelp(found.path, found.command, topics));
    return 0;
  }
  const topic = words.length === 1 ? findTopic(topics, words[0]) : undefined;
  if (!topic) {
    const guess = didYouMean(words[0], [...Object.keys(COMMANDS), ...topics.map((t) => t.name)]);
    throw new UsageError(`unknown command or help topic '${words.join(" ")}'${guess ? `: did you mean '${guess}'?` : ""}`);
  }
  io.err(`page: ${topic.file}\n`);
  io.out(readFileSync(topic.file, "utf8"));
  return 0;
}

/** A command's help; a command named as a page of the documentation (records) ends by naming the page. */
function commandHelp(path: string, command: Command, topics: readonly HelpTopic[] = helpTopics()): string {
  const page = findTopic(topics, path);
  return command.help + (page ? `\nThe documentation's page ${path}: dkimctl help ${page.name}.md\n` : "");
}

/** The overview `dkimctl help` and `dkimctl --help` print: the usage, then the help topics. */
export function overview(): string {
  return `${usage()}\n${topicList(helpTopics(), Object.keys(COMMANDS))}`;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      io.err(usage());
      return 2;
    }
    if ((name === "help" || name === "--help" || name === "-h") && rest.length === 0) {
      io.out(overview());
      return 0;
    }
    // dkimctl help COMMAND [SUBCOMMAND]: that command's own help; dkimctl help TOPIC: a page of docs/.
    if (name === "help") return help(rest, io);
    const found = resolve(argv);
    if (!found) throw unknownCommand(name);
    if (found.args.includes("--help") || found.args.includes("-h")) {
      io.out(commandHelp(found.path, found.command));
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
  for (const [name, c] of Object.entries(COMMANDS)) walk(name, c());
  return out;
}
