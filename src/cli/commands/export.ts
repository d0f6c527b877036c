/** `dkimctl export`: the private keys, in the form the signer reads. */
import { dirname } from "node:path";
import { commandHint } from "../../command-hint";
import { collectKeys, EXPORT_FORMATS, type ExportFormat, FORMATS_WITH_PATHS, writeExport } from "../../keys/export";
import { signerDirProblem } from "../../keys/signer-path";
import { signingCustomers } from "../../delegation/gate";
import { readStatus, statusFileOf } from "../../delegation/status-file";
import { UsageError } from "../report";
import { excerpt } from "../../redact";
import { openKeyStore } from "../../keys/stores";
import { oneOf, required } from "../args";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";

const USAGE = ["  dkimctl export --format pem|opendkim|json|rspamd --out DIR [--signer-dir DIR] [--force] [--config FILE] [--key-store DIR]"];
const OPTIONS = withCommon({
  format: {
    type: "string",
    short: "f",
    arg: "FORMAT",
    help: "pem (one PEM file per key), opendkim (keys with KeyTable and SigningTable), json (one file for tools) or rspamd (keys with dkim_signing.conf)",
  },
  out: { type: "string", short: "o", arg: "DIR", help: "the directory to write (files mode 0600); dkimctl replaces its own earlier export there" },
  "signer-dir": {
    type: "string",
    arg: "DIR",
    help:
      "opendkim and rspamd: where the export will be on the signer (e.g. /etc/dkimkeys); KeyTable, opendkim.conf and " +
      "dkim_signing.conf name the key files there (default: relative to the export's directory, with a comment saying so)",
  },
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
    "Writes the private keys of every selector in the lock, in the form the signer reads (of customers, only those the\n" +
      "signing gate has switched on: dkim.status.json, which dkimctl verify keeps). Keep DIR out of git:\n" +
      "an export inside a git work tree is refused unless git ignores it (or --force).",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    const format = oneOf<ExportFormat>("format", values.format, EXPORT_FORMATS);
    const out = required("out", values.out);
    const signerDir = values["signer-dir"];
    if (signerDir !== undefined) {
      if (!FORMATS_WITH_PATHS.includes(format))
        throw new UsageError(`--signer-dir applies only to --format ${FORMATS_WITH_PATHS.join(" or ")}: ${format} files name no other file`);
      const problem = signerDirProblem(signerDir);
      if (problem) throw new UsageError(`--signer-dir ${problem}, not '${excerpt(signerDir)}'`);
    }
    const { config, lock } = load(io, values, { keys: true });
    const store = openKeyStore(config, values["key-store"]);
    // Customers: only those the signing gate has switched on (verify keeps its status file beside the lock).
    const signing = config.customers.length ? signingCustomers(readStatus(statusFileOf(config.lockFile)).customers) : undefined;
    const keys = await collectKeys(config, lock, store, signing);
    const left = signing ? config.customers.filter((c) => !signing.has(c.name)).length : 0;
    const files = writeExport(keys, format, out, {
      force: values.force,
      signerDir,
      protect: [config.file, config.lockFile, dirname(config.file)],
      stores: store.directory ? [store.directory] : [],
    });
    io.out(
      `exported ${keys.length} private keys as ${format} to ${out} (${files.length} files, mode 0600): hand them to the signer and keep them out of git\n` +
        (left
          ? `${left} customer${left === 1 ? "" : "s"} left out: not switched on by the signing gate (${statusFileOf(config.lockFile)}); ` +
            `${commandHint("verify", config.invocation)} switches a customer on once all its slots are delegated\n`
          : ""),
    );
    return 0;
  },
};
