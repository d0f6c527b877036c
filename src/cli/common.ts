/** What the commands share: the common options, loading the config, and running as the project's writer. */
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { configPath } from "../config/find-project";
import { loadConfig } from "../config/load";
import type { Config } from "../config/model";
import { checkHostName } from "../dns/host-name";
import { Lock } from "../keys/lock";
import type { WriteOptions } from "../keys/manage";
import type { ProjectLock } from "../keys/project-lock";
import type { KeyStore } from "../keys/store";
import { openKeyStore } from "../keys/stores";
import { checkInputs, type DesiredRecord } from "../records";
import { type ParsedOptions, parseOptions } from "./args";
import { type OptionTable, parserOptions } from "./help";
import type { Io } from "./io";
import { UsageError } from "./report";

/** Where a command finds domains.yaml without --config (src/config/find-project.ts). */
export const CONFIG_DEFAULT = "$DKIMCTL_CONFIG, else the nearest domains.yaml in the working directory or above it, up to the top of the git work tree";

const CONFIG_HELP = `the config file (default: ${CONFIG_DEFAULT}); dkim.lock.yaml and the local key store (.dkim/keys/) sit beside it`;

/** The options of every command: --config, --key-store, --help. */
const COMMON = {
  config: { type: "string", arg: "FILE", help: CONFIG_HELP },
  "key-store": {
    type: "string",
    arg: "DIR",
    help: "the local key store's directory (default: $DKIMCTL_KEY_STORE, else .dkim/keys/ beside the config); only with keyStore: local",
  },
  help: { type: "boolean", short: "h", help: "print this help and exit" },
} as const satisfies OptionTable;

/**
 * A command's option table: `own` and the common options. `readsKeys: false`
 * says in --key-store's help that the command reads no key (it accepts it so
 * that the same options work for every command, as hints repeat them).
 */
export function withCommon<const O extends OptionTable>(own: O, what: { readsKeys?: boolean } = {}): typeof COMMON & O {
  const keyStore =
    what.readsKeys === false
      ? { ...COMMON["key-store"], help: "accepted so that the same options work for every command; this command reads no key" }
      : COMMON["key-store"];
  return { ...own, config: COMMON.config, "key-store": keyStore, help: COMMON.help } as typeof COMMON & O;
}

/** Parses `args` with a command's option table (see withCommon). */
export function parse<O extends OptionTable>(args: string[], options: O, positionals = 0): ParsedOptions<ReturnType<typeof parserOptions<O>>> {
  return parseOptions(args, parserOptions(options), positionals);
}

/** The options that find the project: `--config`, and `--key-store` where a command takes it. */
export interface ProjectOptions {
  readonly config?: string;
  readonly "key-store"?: string;
}

/** A project as a command reads it: domains.yaml and the lock, checked together, and the records they publish. */
export interface Project {
  readonly config: Config;
  readonly lock: Lock;
  /** Every record the project publishes (with `missingKeys: "allowed"`, those of the keys made so far). */
  readonly records: readonly DesiredRecord[];
}

/**
 * Loads and validates the config (--config, $DKIMCTL_CONFIG or the nearest domains.yaml)
 * and the lock beside it, printing the config's warnings, and on stderr which
 * config (and, with `keys`, which key store) the command reads, unless `quiet`
 * (--quiet). The options given are kept in `config.invocation`, so that hints
 * naming a command repeat them.
 *
 * Every command reads the project through here, so every command refuses
 * what `validate` refuses (checkInputs): only `keys` and `rotate`, which make
 * keys, pass `missingKeys: "allowed"` for the keys they are about to make.
 */
export function load(io: Io, options: ProjectOptions, what: { keys?: boolean; quiet?: boolean; missingKeys?: "allowed" } = {}): Project {
  const loaded = loadConfig(configPath(options.config));
  const invocation = [
    ...(options.config !== undefined ? ["--config", options.config] : []),
    ...(options["key-store"] !== undefined ? ["--key-store", options["key-store"]] : []),
  ];
  const config: Config = { ...loaded, invocation };
  for (const w of config.warnings) io.err(`warning: ${w}\n`);
  if (io.progress !== false && !what.quiet) io.err(`${projectLine(config, what.keys ? options["key-store"] : null)}\n`);
  const lock = Lock.of(config);
  return { config, lock, records: checkInputs(config, lock, { missingKeys: what.missingKeys ?? "refused" }) };
}

/** `config: infra/dns/domains.yaml · keys: local .dkim/keys`: what a command reads (`keyStore` null: no key store). */
export function projectLine(config: Config, keyStore: string | undefined | null): string {
  // Relative where the path is under the working directory, or in a project found above it (named relative too).
  const project = isAbsolute(config.file) ? undefined : resolve(dirname(config.file));
  const under = (dir: string, p: string) => !relative(dir, p).startsWith("..");
  const shown = (p: string) => (isAbsolute(p) && (under(process.cwd(), p) || (project && under(project, p))) ? relative(process.cwd(), p) || "." : p);
  if (keyStore === null) return `config: ${config.file}`;
  let where: string;
  try {
    const store = openKeyStore(config, keyStore);
    where = store.directory ? shown(store.directory) : store.description;
  } catch {
    return `config: ${config.file}`; // the command reports why the store cannot be used
  }
  return `config: ${config.file} · keys: ${config.keyStore.kind} ${where}`;
}

/** A domain as the user typed it (--domain), in its published form. */
export function domainOption(name: string, text: string): string {
  const d = checkHostName(text, "publish");
  if (!d.ok) throw new UsageError(`--${name} '${text.slice(0, 64)}' ${d.reason}`);
  return d.value;
}

/**
 * Runs `fn` as the project's only writer, with its key store opened (checked,
 * and cleared of what an interrupted run left). `writes` is what `fn` needs
 * to change the lock and store safely: nothing is written after the project
 * lock was lost.
 */
export async function asWriter<T>(
  io: Io,
  config: Config,
  keyStore: string | undefined,
  fn: (store: KeyStore, lock: Lock, writes: WriteOptions & { commit(): void }) => Promise<T>,
): Promise<T> {
  const store = openKeyStore(config, keyStore);
  // Only writers take the project lock (and load proper-lockfile).
  const { withProjectLock } = require("../keys/project-lock") as typeof import("../keys/project-lock");
  return withProjectLock(
    dirname(config.lockFile),
    async (held: ProjectLock) => {
      await store.open();
      // The lock as it is now that this run is the only writer, checked again: another run may have changed it meanwhile.
      const lock = Lock.of(config);
      checkInputs(config, lock, { missingKeys: "allowed" });
      return fn(store, lock, {
        beforeWrite: () => held.assertHeld(),
        commit: () => {
          held.assertHeld();
          lock.write(config.lockFile);
        },
      });
    },
    { onWait: (m) => io.err(`${m}\n`) },
  );
}
