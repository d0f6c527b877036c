/** `dkimctl validate`: every check synth runs, and the lock against the key store where it is at hand. */
import { ProblemsError } from "../../config/problems";
import { checkStore } from "../../keys/manage";
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
    "Runs every check synth runs on domains.yaml and dkim.lock.yaml, and, where this machine can read the key store,\n" +
      "checks that the lock holds the public half of every stored key. Writes nothing. Exit status 0 when valid, 1 otherwise.",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    const { config, lock, records } = load(io, values, { keys: true });
    // Where this machine can read the keys, the lock must hold their public halves.
    const store = openKeyStore(config, values["key-store"]);
    let problems: string[] = [];
    if (store.canReadKeys()) {
      problems = await store.check();
      if (problems.length === 0) problems = await checkStore(lock, store, { requirePrivate: false, lockFile: config.lockFile });
    }
    if (problems.length) throw new ProblemsError(problems);
    io.out(`${config.file}: ok (${config.zones.length} zones, ${config.domains.length} domains, ${records.length} records)\n`);
    return 0;
  },
};
