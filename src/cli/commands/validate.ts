/** `dkimctl validate`: every check synth runs, the lock against the key store as far as this machine can, and what was checked. */
import { ProblemsError } from "../../config/problems";
import { validateStore } from "../../keys/store-check";
import { openKeyStore } from "../../keys/stores";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";

const USAGE = ["  dkimctl validate [--config FILE] [--key-store DIR]"];
const OPTIONS = withCommon({});

export const validate: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Runs every check synth runs on domains.yaml and dkim.lock.yaml, then checks the key store against the lock as far as\n" +
      "this machine can (every key there and matching; public halves only without a private key) and says what it checked,\n" +
      "or that it could not and why. Writes nothing. Exit status 0 when valid, 1 otherwise.",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    const { config, lock, records } = load(io, values, { keys: true });
    const store = openKeyStore(config, values["key-store"]);
    const checked = await validateStore(lock, store, config.lockFile);
    if (checked.problems.length) throw new ProblemsError(checked.problems);
    const keys = lock.storeKeys().length;
    const customers = config.customers.length ? `, ${config.customers.length} customers` : "";
    io.out(`${config.file}: ok (${config.zones.length} zones, ${config.domains.length} domains${customers}, ${records.length} records)\n`);
    io.out(`${config.lockFile}: ok (${keys} key${keys === 1 ? "" : "s"})\n`);
    io.out(`key store ${config.keyStore.kind} ${store.directory ?? store.description}: ${checked.summary}\n`);
    for (const u of checked.unchecked) io.out(`  not checked: ${u}\n`);
    return 0;
  },
};
