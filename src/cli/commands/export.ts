/** `dkimctl export`: the private keys, in the form the signer reads. */
import { collectKeys, EXPORT_FORMATS, type ExportFormat, writeExport } from "../../keys/export";
import { Lock } from "../../keys/lock";
import { openKeyStore } from "../../keys/stores";
import { oneOf, required } from "../args";
import type { Command } from "../command";
import { load, parse } from "../common";

export const exportKeys: Command = {
  usage: ["  dkimctl export --format pem|opendkim|json|rspamd --out DIR [--force] [--config FILE] [--key-store DIR]"],
  async run(args, io) {
    const { values } = parse(args, { format: { type: "string", short: "f" }, out: { type: "string", short: "o" }, force: { type: "boolean" } });
    const format = oneOf<ExportFormat>("format", values.format, EXPORT_FORMATS);
    const out = required("out", values.out);
    const config = load(io, values, { keys: true });
    const store = openKeyStore(config, values["key-store"]);
    const keys = await collectKeys(config, Lock.read(config.lockFile), store);
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
