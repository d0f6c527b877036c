/** What the commands share: the common options, loading the config, and running as the project's writer. */
import { dirname } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { configPath, loadConfig } from "../config/load";
import type { Config } from "../config/model";
import { normaliseDomain } from "../dkim/names";
import { Lock } from "../keys/lock";
import type { WriteOptions } from "../keys/manage";
import { type ProjectLock, withProjectLock } from "../keys/project-lock";
import type { KeyStore } from "../keys/store";
import { openKeyStore } from "../keys/stores";
import { type ParsedOptions, parseOptions } from "./args";
import type { Io } from "./io";
import { UsageError } from "./report";

const COMMON = { config: { type: "string" }, "key-store": { type: "string" }, help: { type: "boolean", short: "h" } } as const;

/** Parses `args` with the common options (--config, --key-store, --help) and `options`. */
export function parse<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O, positionals = 0): ParsedOptions<typeof COMMON & O> {
  return parseOptions(args, { ...COMMON, ...options }, positionals);
}

/** Loads and validates the config (--config, $DKIMCTL_CONFIG or domains.yaml), printing its warnings. */
export function load(io: Io, file: string | undefined): Config {
  const config = loadConfig(configPath(file));
  for (const w of config.warnings) io.err(`warning: ${w}\n`);
  return config;
}

/** A domain as the user typed it (--domain), in its published form. */
export function domainOption(name: string, text: string): string {
  const d = normaliseDomain(text);
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
  return withProjectLock(
    dirname(config.lockFile),
    async (held: ProjectLock) => {
      await store.open();
      const lock = Lock.read(config.lockFile);
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
