/** `dkimctl keys` and `dkimctl keys import`: a key for every generated selector, or an existing one adopted. */
import { readFileCapped } from "../../read-capped";
import { checkHostName } from "../../dns/host-name";
import { ensureKeys, importKey } from "../../keys/manage";
import { commandHint } from "../../command-hint";
import { required } from "../args";
import type { Command } from "../command";
import { asWriter, domainOption, load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { keysPrune } from "./keys-prune";
import { keysRewrap } from "./keys-rewrap";
import { keysMigrate } from "./keys-migrate";
import type { Io } from "../io";
import { progress } from "../progress";
import { UsageError } from "../report";

const IMPORT_USAGE = ["  dkimctl keys import --domain D --selector S --key FILE.pem [--config FILE] [--key-store DIR]"];
const IMPORT_OPTIONS = withCommon({
  domain: { type: "string", arg: "D", help: "the sender domain the key signs for, as in domains.yaml" },
  selector: { type: "string", arg: "S", help: "the selector the key is published under (S._domainkey.D)" },
  key: { type: "string", arg: "FILE.pem", help: "the existing private key as a PEM file (RSA or Ed25519), e.g. the one the signer uses" },
});

const keysImport: Command = {
  usage: IMPORT_USAGE,
  options: IMPORT_OPTIONS,
  help: commandHelp(
    IMPORT_USAGE,
    "Adopts an existing private key (one a signer already uses) for D/S: puts it in the key store and its public half\n" +
      "in dkim.lock.yaml, so that the published record matches what the signer signs with. Commit the lock afterwards.",
    IMPORT_OPTIONS,
  ),
  run: runImport,
};

const SUBCOMMANDS = { import: keysImport, rewrap: keysRewrap, migrate: keysMigrate, prune: keysPrune };
const USAGE = ["  dkimctl keys [--quiet] [--config FILE] [--key-store DIR]"];
const OPTIONS = withCommon({
  quiet: { type: "boolean", short: "q", help: "print nothing on stderr but warnings and errors: no progress line while keys are made, no config line" },
});

export const keys: Command = {
  usage: [...USAGE, ...Object.values(SUBCOMMANDS).flatMap((c) => c.usage)],
  options: OPTIONS,
  subcommands: SUBCOMMANDS,
  help: commandHelp(
    USAGE,
    "Makes a key for every generated selector and every customer slot of domains.yaml that has none (keys of the lock are\n" +
      "never replaced), puts the private key in the key store and the public half in dkim.lock.yaml: commit the lock. Keys\n" +
      "are made on every core, with progress on a terminal; a run that was interrupted resumes where it stopped. Domains\n" +
      "with a rotation policy get their keys from 'dkimctl rotate' instead; keys names those that have none yet.",
    OPTIONS,
    [
      `Commands under keys (dkimctl keys COMMAND --help for each):\n${Object.values(SUBCOMMANDS)
        .flatMap((c) => c.usage)
        .join("\n")}`,
    ],
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    const { config } = load(io, values, { keys: true, quiet: values.quiet, missingKeys: "allowed" });
    return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
      const shown = progress(io, { what: "keys", quiet: values.quiet });
      const changes = await ensureKeys(config, lock, store, { ...writes, progress: shown, notice: (t) => io.err(`note: ${t}\n`) });
      shown.end();
      if (changes.length) writes.commit();
      for (const c of changes)
        io.out(`${c.action} ${c.algorithm} key for ${c.slot ? `customer ${c.domain} slot ${c.selector}` : `${c.domain}/${c.selector}`} (${c.fingerprint})\n`);
      // Rotated domains get their keys from `rotate`, which names them and plans their lifecycle: say so rather than skip them silently.
      const waiting = config.domains.filter((d) => d.rotation && lock.rotated(d.name).length === 0).map((d) => d.name);
      io.out(
        changes.length
          ? `wrote ${config.lockFile}: commit it; the private keys are in ${store.description}\n`
          : `every generated selector${config.customers.length ? " and customer slot" : ""} has a key${waiting.length ? "" : "; nothing to do"}\n`,
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
  const { values } = parse(args, IMPORT_OPTIONS);
  const domain = domainOption("domain", required("domain", values.domain));
  const sel = checkHostName(required("selector", values.selector), "selector");
  if (!sel.ok) throw new UsageError(`--selector '${values.selector!.slice(0, 64)}' ${sel.reason}`);
  const keyFile = required("key", values.key);
  const { config } = load(io, values, { keys: true, missingKeys: "allowed" });
  // A PEM private key is a few KiB (RSA 4096: about 3.3 KiB); anything far larger is not one.
  const pem = readFileCapped(keyFile, 64 * 1024, "a PEM private key file");
  return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
    const c = await importKey(config, lock, store, domain, sel.value, pem, { ...writes, notice: (t) => io.err(`note: ${t}\n`) });
    writes.commit();
    io.out(`imported ${c.algorithm} key for ${c.domain}/${c.selector} (${c.fingerprint}); wrote ${config.lockFile}: commit it\n`);
    return 0;
  });
}
