/** `dkimctl records`: the records dkimctl publishes, in a format for people or tools. */
import { governingPolicy } from "../../dmarc/governs";
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
    const published = new Map(config.domains.flatMap((d) => (d.dmarc ? [[d.name, d.dmarc] as const] : [])));
    const governance = config.domains.filter((d) => !d.parked).map((d) => ({ domain: d.name, governing: governingPolicy(d.name, published) }));
    io.out(formatRecords(desiredRecords(config, Lock.read(config.lockFile)), format, governance));
    return 0;
  },
};
