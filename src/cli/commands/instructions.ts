/** `dkimctl instructions`: the DNS records a customer creates (signing-provider mode), as text, bind, json, csv or an HTML page. */
import { findCustomer } from "../../config/customer-slots";
import type { Config, Customer } from "../../config/model";
import { didYouMean, InputError, type Problem } from "../../config/problems";
import { instructionsFor, type Instructions } from "../../customers/instructions";
import { checkHostName } from "../../dns/host-name";
import { oneOf } from "../args";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { ALL_FORMATS, bindFormat, csvFormat, INSTRUCTION_FORMATS, type InstructionFormat, instructionsJson, textFormat } from "../instructions-formats";
import { htmlPage } from "../instructions-page";
import { UsageError } from "../report";

const USAGE = [
  "  dkimctl instructions CUSTOMER [--format text|bind|json|csv|html] [--config FILE]",
  "  dkimctl instructions --all [--format json|csv] [--config FILE]",
];
const OPTIONS = withCommon(
  {
    format: {
      type: "string",
      short: "f",
      arg: "FORMAT",
      help:
        "text (default, for the customer), bind (zone-file lines), json (for your own UI), csv, or html (a page to show or e-mail); " +
        "with --all, json (the default: one customer per line) or csv",
    },
    all: { type: "boolean", help: "every customer of domains.yaml instead of one" },
  },
  { readsKeys: false },
);

export const instructions: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Prints the DNS records a customer creates at its own DNS host so that its slots point at their keys in our key\n" +
      "zone: for each slot the host (relative to the customer's zone, as most DNS panels want it), the full name, the type,\n" +
      "the target (or, for a customer with 'delegation: txt', the public key record) and the TTL, with the notes that\n" +
      "spare a support ticket. A CNAME customer's records never change when keys rotate. Reads no private key; writes nothing.",
    OPTIONS,
  ),
  run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 1);
    const all = values.all === true;
    if (all && positionals.length) throw new UsageError(`give a customer or --all, not both ('${positionals[0].slice(0, 64)}' and --all)`);
    if (!all && !positionals.length) throw new UsageError("give the customer whose records to print, e.g. 'dkimctl instructions shop.example', or --all");
    const allowed = all ? ALL_FORMATS : INSTRUCTION_FORMATS;
    const format = oneOf<InstructionFormat>("format", values.format, allowed, all ? "json" : "text");
    // A cname customer's records need no key (its targets come from the config); a txt customer's missing keys are reported below.
    const { config, lock } = load(io, values, { missingKeys: "allowed" });
    const customers = all ? config.customers : [customerNamed(config, positionals[0])];
    const problems: Problem[] = [];
    const built = customers.map((c) => instructionsFor(c, lock, config, problems));
    if (problems.length) throw new InputError(problems);
    io.out(render(built, format, all));
    return 0;
  },
};

function render(built: readonly Instructions[], format: InstructionFormat, all: boolean): string {
  switch (format) {
    case "json":
      return all ? built.map((i) => `${JSON.stringify(instructionsJson(i))}\n`).join("") : `${JSON.stringify(instructionsJson(built[0]), null, 2)}\n`;
    case "csv":
      return csvFormat(built);
    case "bind":
      return bindFormat(built[0]);
    case "html":
      return htmlPage(built[0]);
    case "text":
      return textFormat(built[0]);
  }
}

/** The customer a command line names, or why it names none. */
function customerNamed(config: Config, text: string): Customer {
  const name = checkHostName(text, "publish");
  if (!name.ok) throw new UsageError(`customer '${text.slice(0, 64)}' ${name.reason}`);
  const customer = findCustomer(config, name.value);
  if (customer) return customer;
  if (config.customers.length === 0) throw new Error(`${config.file} has no customers: list them under 'customers:' (dkimctl help signing-provider)`);
  const plain = config.domains.some((d) => d.name === name.value);
  const guess = plain
    ? undefined
    : didYouMean(
        name.value,
        config.customers.map((c) => c.name),
      );
  throw new Error(
    `${name.value} is not a customer in ${config.file}` +
      (plain ? ": it is a sender domain under 'domains', whose records dkimctl publishes itself ('dkimctl records')" : guess ? `: did you mean ${guess}?` : ""),
  );
}
