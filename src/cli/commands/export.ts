/** `dkimctl export`: the private keys, in the form the signer reads. */
import { collectKeys, EXPORT_FORMATS, type ExportFormat, writeExport } from "../../keys/export";
import { Lock } from "../../keys/lock";
import { openKeyStore } from "../../keys/stores";
import { oneOf, required } from "../args";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";

const USAGE = ["  dkimctl export --format pem|opendkim|json|rspamd --out DIR [--force] [--config FILE] [--key-store DIR]"];
const OPTIONS = withCommon({
  format: {
    type: "string",
    short: "f",
    arg: "FORMAT",
    help: "pem (one PEM file per key), opendkim (keys with KeyTable and SigningTable), json (one file for tools) or rspamd (keys with dkim_signing.conf)",
  },
  out: { type: "string", short: "o", arg: "DIR", help: "the directory to write (files mode 0600); dkimctl replaces its own earlier export there" },
  force: {
    type: "boolean",
    help: "export even into a directory of a git work tree that git does not ignore, and remove files in DIR that dkimctl did not write",
  },
});

export const exportKeys: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Writes the private keys of every selector in the lock, in the form the signer reads. Keep DIR out of git:\n" +
      "an export inside a git work tree is refused unless git ignores it (or --force).",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    const format = oneOf<ExportFormat>("format", values.format, EXPORT_FORMATS);
    const out = required("out", values.out);
    const config = load(io, values, { keys: true });
    const store = openKeyStore(config, values["key-store"]);
    const keys = await collectKeys(config, Lock.of(config), store);
    const files = writeExport(keys, format, out, {
      force: values.force,
      protect: [config.file, config.lockFile, ...(store.directory ? [store.directory] : [])],
    });
    io.out(
      `exported ${keys.length} private keys as ${format} to ${out} (${files.length} files, mode 0600): hand them to the signer and keep them out of git\n`,
    );
    return 0;
  },
};
