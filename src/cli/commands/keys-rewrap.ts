/** `dkimctl keys rewrap`: the age store's keys re-encrypted to the recipients domains.yaml lists now; no key changes. */
import { AgeKeyStore } from "../../keys/age-store";
import { assertStoreMatchesLock } from "../../keys/manage";
import type { Command } from "../command";
import { asWriter, load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import type { Io } from "../io";

const USAGE = ["  dkimctl keys rewrap [--config FILE]"];
const OPTIONS = withCommon({});

export const keysRewrap: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Re-encrypts every key of the age key store to the recipients domains.yaml lists now (after adding or removing one).\n" +
      "No key changes; commit the store's directory afterwards.",
    OPTIONS,
  ),
  run: runRewrap,
};

async function runRewrap(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, OPTIONS);
  const { config } = load(io, values, { keys: true, missingKeys: "allowed" });
  const kind = config.keyStore.kind;
  if (kind !== "age")
    throw new Error(`keys rewrap re-encrypts the keys of an age key store, but ${config.file} keeps keys in the ${kind} store: there is nothing to rewrap`);
  return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
    if (!(store instanceof AgeKeyStore)) throw new Error(`keys rewrap needs the age key store, not ${store.description}`);
    await assertStoreMatchesLock(lock, store, config.lockFile);
    const keys = await store.rewrap(writes.beforeWrite);
    for (const k of keys) io.out(`re-encrypted ${k.domain}/${k.selector} (${k.fingerprint}, unchanged)\n`);
    const n = store.recipients.length;
    io.out(`re-encrypted ${keys.length} keys to ${n} recipient${n === 1 ? "" : "s"}, every key unchanged: commit ${store.dir}\n`);
    return 0;
  });
}
