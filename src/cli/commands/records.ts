/** `dkimctl records`: the records dkimctl publishes, in a format for people or tools. */
import { governingPolicy } from "../../dmarc/governs";
import { oneOf } from "../args";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { formatRecords, RECORD_FORMATS, type RecordFormat } from "../formats";

const USAGE = ["  dkimctl records [--config FILE] [--format table|zone|json|markdown]"];
const OPTIONS = withCommon(
  {
    format: {
      type: "string",
      short: "f",
      arg: "FORMAT",
      help: "table (default, for people), zone (zone-file lines), json (for tools) or markdown (for pull-request comments)",
    },
  },
  { readsKeys: false },
);

export const records: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Prints the DNS records dkimctl publishes for domains.yaml and dkim.lock.yaml, " +
      "then which DMARC record governs each sender domain. Reads no key and writes nothing.",
    OPTIONS,
  ),
  run(args, io) {
    const { values } = parse(args, OPTIONS);
    const format = oneOf<RecordFormat>("format", values.format, RECORD_FORMATS, "table");
    const { config, records } = load(io, values);
    const published = new Map(config.domains.flatMap((d) => (d.dmarc ? [[d.name, d.dmarc] as const] : [])));
    const governance = config.domains.filter((d) => !d.parked).map((d) => ({ domain: d.name, governing: governingPolicy(d.name, published) }));
    io.out(formatRecords(records, format, governance));
    return 0;
  },
};
