/** `dkimctl keys` and `dkimctl keys import`: a key for every generated selector, or an existing one adopted. */
import { readFileSync } from "node:fs";
import { normaliseSelector } from "../../dkim/names";
import { checkStore, ensureKeys, importKey } from "../../keys/manage";
import { commandHint } from "../../command-hint";
import { required } from "../args";
import type { Command } from "../command";
import { asWriter, domainOption, load, parse } from "../common";
import { keysPrune } from "./keys-prune";
import { REWRAP_USAGE, runRewrap } from "./keys-rewrap";
import { MIGRATE_USAGE, runMigrate } from "./keys-migrate";
import type { Io } from "../io";
import { progress } from "../progress";
import { UsageError } from "../report";

export const keys: Command = {
  usage: [
    "  dkimctl keys [--quiet] [--config FILE] [--key-store DIR]",
    "  dkimctl keys import --domain D --selector S --key FILE.pem [--config FILE] [--key-store DIR]",
    REWRAP_USAGE,
    MIGRATE_USAGE,
    ...keysPrune.usage,
  ],
  async run(args, io) {
    if (args[0] === "import") return runImport(args.slice(1), io);
    if (args[0] === "prune") return keysPrune.run(args.slice(1), io);
    if (args[0] === "rewrap") return runRewrap(args.slice(1), io);
    if (args[0] === "migrate") return runMigrate(args.slice(1), io);
    const { values } = parse(args, { quiet: { type: "boolean", short: "q" } });
    const config = load(io, values, { keys: true });
    return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
      const shown = progress(io, { what: "keys", quiet: values.quiet });
      const changes = await ensureKeys(config, lock, store, { ...writes, progress: shown });
      shown.end();
      if (changes.length) writes.commit();
      for (const missing of await checkStore(lock, store, { requirePrivate: true, lockFile: config.lockFile })) io.err(`warning: ${missing}\n`);
      for (const c of changes) io.out(`${c.action} ${c.algorithm} key for ${c.domain}/${c.selector} (${c.fingerprint})\n`);
      // Rotated domains get their keys from `rotate`, which names them and plans their lifecycle: say so rather than skip them silently.
      const waiting = config.domains.filter((d) => d.rotation && lock.rotated(d.name).length === 0).map((d) => d.name);
      io.out(
        changes.length
          ? `wrote ${config.lockFile}: commit it; the private keys are in ${store.description}\n`
          : `every generated selector has a key${waiting.length ? "" : "; nothing to do"}\n`,
      );
      if (waiting.length)
        io.out(
          `${waiting.join(", ")} ${waiting.length === 1 ? "has" : "have"} a rotation policy and no key yet; 'keys' does not make their keys: ` +
            `run ${commandHint("rotate", config.invocation)} to make the first ones, then commit ${config.lockFile}\n`,
        );
      return 0;
    });
  },
};

async function runImport(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { domain: { type: "string" }, selector: { type: "string" }, key: { type: "string" } });
  const domain = domainOption("domain", required("domain", values.domain));
  const sel = normaliseSelector(required("selector", values.selector));
  if (!sel.ok) throw new UsageError(`--selector '${values.selector!.slice(0, 64)}' ${sel.reason}`);
  const keyFile = required("key", values.key);
  const config = load(io, values, { keys: true });
  let pem: string;
  try {
    pem = readFileSync(keyFile, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
    const c = await importKey(config, lock, store, domain, sel.value, pem, writes);
    writes.commit();
    io.out(`imported ${c.algorithm} key for ${c.domain}/${c.selector} (${c.fingerprint}); wrote ${config.lockFile}: commit it\n`);
    return 0;
  });
}
