/** `dkimctl keys migrate --to STORE`: copy every key to another store, checked, never deleting the source. */
import { commandHint } from "../../command-hint";
import { parse as parseYaml } from "yaml";
import { keyStoreSpec } from "../../config/key-store";
import { keyStoreSchema } from "../../config/schema";
import { migrateKeys } from "../../keys/migrate";
import { openStore } from "../../keys/stores";
import { required } from "../args";
import type { Command } from "../command";
import { asWriter, load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import type { Io } from "../io";
import { UsageError } from "../report";

const USAGE = ["  dkimctl keys migrate --to '{ age: { dir: DIR, recipients: [age1...] } }' [--config FILE] [--key-store DIR]"];
const OPTIONS = withCommon({
  to: {
    type: "string",
    arg: "STORE",
    help: "the store to copy the keys to, written as domains.yaml's keyStore (a YAML flow mapping), e.g. '{ awsSecretsManager: { region: eu-west-1 } }'",
  },
});

export const keysMigrate: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Copies every key of the lock from the configured store to another, checking each copy; the source is never changed.\n" +
      "Then set keyStore in domains.yaml to the new store, commit, and delete the old store once the new one is backed up.",
    OPTIONS,
  ),
  run: runMigrate,
};

async function runMigrate(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  const text = required("to", values.to);
  const { config } = load(io, values, { keys: true, missingKeys: "allowed" });
  const spec = targetSpec(text, config.file);
  return asWriter(io, config, values["key-store"], async (from, lock, writes) => {
    const to = openStore(spec);
    await to.open();
    const r = await migrateKeys(lock, from, to, writes.beforeWrite);
    for (const name of r.copied) io.out(`copied ${name}\n`);
    for (const name of r.unverified)
      io.out(`copied ${name} (its key cannot be shown here: check it with ${commandHint("validate", config.invocation)} where the store can be read)\n`);
    io.out(
      `${r.copied.length + r.unverified.length} keys copied to ${to.description}, ${r.present.length} already there; ${from.description} is unchanged.\n` +
        `Next: set keyStore in ${config.file} to the new store, commit, and delete the old store once the new one is backed up.\n`,
    );
    return 0;
  });
}

/** `--to` in domains.yaml's keyStore syntax (a YAML flow mapping), checked by the same rules. */
function targetSpec(text: string, configFile: string) {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    throw new UsageError(`--to must be a keyStore mapping such as '{ age: { dir: dkim-keys, recipients: [age1...] } }'`);
  }
  const shape = keyStoreSchema.safeParse(raw);
  const problems: string[] = shape.success ? [] : shape.error.issues.map((i) => `${i.path.join(".") || "--to"}: ${i.message}`);
  const spec = keyStoreSpec(raw, configFile, (path, message) => problems.push(`${path.slice(1).join(".") || "--to"}: ${message}`));
  if (problems.length) throw new UsageError(`--to is not a key store: ${problems.join("; ")}`);
  return spec;
}
