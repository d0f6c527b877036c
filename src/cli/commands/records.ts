/** `dkimctl records`: the records dkimctl publishes, in a format for people or tools. */
import { Lock } from "../../keys/lock";
import { desiredRecords } from "../../records";
import { oneOf } from "../args";
import type { Command } from "../command";
import { load, parse } from "../common";
import { formatRecords, RECORD_FORMATS, type RecordFormat } from "../formats";

export const records: Command = {
  usage: ["  dkimctl records [--config FILE] [--format table|zone|json|markdown]"],
  run(args, io) {
    const { values } = parse(args, { format: { type: "string", short: "f" } });
    const format = oneOf<RecordFormat>("format", values.format, RECORD_FORMATS, "table");
    const config = load(io, values);
    io.out(formatRecords(desiredRecords(config, Lock.read(config.lockFile)), format));
    return 0;
  },
};
