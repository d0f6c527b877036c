/**
 * `dkimctl verify`: asks DNS for every desired record and reports what is
 * missing or different. Thin over src/verify/ and src/dns/; the reports are src/cli/verify-report.ts.
 */
import { checkHostName } from "../../dns/host-name";
import { authoritativeLookup } from "../../dns/lookup";
import { canonicalName } from "../../dns/names";
import { ResolverLookup, type ResolverOptions } from "../../dns/resolver";
import { addressOf, parseServer, type Server } from "../../dns/server";
import { slotSpecs } from "../../delegation/specs";
import { statusFileOf } from "../../delegation/status-file";
import { DELEGATION_OPTIONS, delegationSettings, verifyDelegations } from "../delegation-verify";
import type { DesiredRecord } from "../../records";
import { type Clock, systemClock } from "../../clock";
import { type AskServer, type Checker, gatherReadiness, viaAuthoritative, viaResolver } from "../../verify/gather";
import type { Readiness } from "../../verify/readiness";
import { pollUntilOk } from "../../verify/poll";
import { formatChecks, progressLine, VERIFY_FORMATS, verifyOk } from "../verify-report";
import { parseDuration } from "../../duration";
import type { Command } from "../command";
import { commandHelp, type OptionTable, parserOptions } from "../help";
import type { Io } from "../io";
import { UsageError } from "../report";
import { hostPort, oneOf, parseOptions } from "../args";
import { CONFIG_DEFAULT, load } from "../common";

/** Lines for `dkimctl --help`. */
export const VERIFY_USAGE_LINES = [
  "  dkimctl verify [--config FILE] [--resolver HOST[:PORT]] [--authoritative] [--ns-address NS=HOST[:PORT]]...",
  "                 [--wait DURATION] [--format text|json|markdown|html] [--domain D]... [--zone Z]...",
  "                 [--now TIME] [--grace DURATION] [--recheck-after DURATION] [--concurrency N] [--rate N]",
];

/** What verify's parser accepts; it reads no key store. */
const OPTIONS = {
  config: { type: "string", arg: "FILE", help: `the config file (default: ${CONFIG_DEFAULT}); dkim.lock.yaml sits beside it` },
  resolver: {
    type: "string",
    arg: "HOST[:PORT]",
    help: "the recursive resolver to ask (IPv4, [IPv6]:PORT or a host name); default: the system resolver",
  },
  authoritative: {
    type: "boolean",
    help: "ask every name server of each zone directly (RD=0) instead; the NS names and their addresses are looked up through the resolver",
  },
  "ns-address": {
    type: "string",
    multiple: true,
    arg: "NS=HOST[:PORT]",
    help:
      "with --authoritative (or customers, whose zones are walked): reach the name server NS at HOST:PORT " +
      "instead of its A/AAAA records on port 53 " +
      "(e.g. a server not yet delegated to, or a test server on another port)",
  },
  wait: {
    type: "string",
    arg: "DURATION",
    help: "keep checking until every record is ok or DURATION (90s, 10m, 1h30m) has passed; progress goes to stderr",
  },
  format: {
    type: "string",
    short: "f",
    arg: "FORMAT",
    help: "text (default), json, markdown (for pull-request comments) or html (the customers' status page, one self-contained file)",
  },
  domain: { type: "string", multiple: true, arg: "D", help: "check only this sender domain's records" },
  zone: { type: "string", multiple: true, arg: "Z", help: "check only this zone's records (with --domain: a record must match both)" },
  ...DELEGATION_OPTIONS,
  help: { type: "boolean", short: "h", help: "print this help and exit" },
} as const satisfies OptionTable;

export const VERIFY_HELP = commandHelp(
  VERIFY_USAGE_LINES,
  `Asks DNS for every record dkimctl publishes and compares it with domains.yaml and dkim.lock.yaml,
then gives each sender domain a verdict: DKIM published and matching, the DMARC record that governs
it (its own or its organizational domain's) and its policy, SPF present and within its 10 lookups,
and whether it meets the bulk-sender requirements (SPF, DKIM, DMARC p=none or stronger, alignment).
DMARC and SPF are always asked through the resolver. Exit status 0 when every selected record is
ok and every dmarc, spf and parked check domains.yaml asks for is ok; 1 otherwise; 2 for a usage
error. (A domain can be "not ready" with exit status 0: say in domains.yaml what you require.)

With customers (signing-provider mode), it also checks every customer slot as receivers resolve it,
gives each its state and what the customer must change, and records the signing gate in
dkim.status.json beside the lock: a customer is switched on once every slot is delegated, lapses
when one breaks, and is dropped after the grace period. Exit status 1 also when a customer lapsed or
was dropped in this run; customers still pending do not fail it. --domain and --zone check records only.`,
  OPTIONS,
);

/** The longest --wait: a week. */
const MAX_WAIT_MS = 7 * 24 * 3_600_000;

export interface VerifyDeps {
  /** @default the real clock */
  readonly clock?: Clock;
  /** Timeouts of DNS questions. @default 3000 ms, 2 tries */
  readonly dns?: ResolverOptions;
}

export const verify: Command = { usage: VERIFY_USAGE_LINES, help: VERIFY_HELP, options: OPTIONS, run: (args, io) => verifyCommand(args, io) };

export async function verifyCommand(args: string[], io: Io, deps: VerifyDeps = {}): Promise<number> {
  const values = parse(args);
  if (values.help) {
    io.out(VERIFY_HELP);
    return 0;
  }
  const format = oneOf("format", values.format, [...VERIFY_FORMATS, "html"] as const, "text");
  const waitMs = values.wait === undefined ? 0 : parseDuration(values.wait);
  if (waitMs === undefined || waitMs > MAX_WAIT_MS)
    throw new UsageError(`--wait must be a duration such as 90s, 10m, 1h or 1h30m (at most a week), not '${values.wait}'`);
  const resolverSpec = values.resolver === undefined ? undefined : hostPort("resolver", values.resolver);
  const nsPins = (values["ns-address"] ?? []).map(parseNsAddress);

  const { config, lock, records: all } = load(io, { config: values.config });
  const customerOptions = Object.keys(DELEGATION_OPTIONS).filter((o) => values[o as keyof typeof DELEGATION_OPTIONS] !== undefined);
  if (!config.customers.length && (customerOptions.length || format === "html"))
    throw new UsageError(`${customerOptions.length ? `--${customerOptions[0]}` : "--format html"} applies to customers, and ${config.file} has none`);
  // Customers' zones are walked (lame or missing delegations) in either mode: there --ns-address applies too.
  if (nsPins.length && !values.authoritative && !config.customers.length) throw new UsageError("--ns-address applies only with --authoritative");
  const settings = delegationSettings(values);
  const checksCustomers = config.customers.length > 0 && !values.domain?.length && !values.zone?.length;
  const records = select(
    all,
    config.domains.map((d) => d.name),
    config.zones.map((z) => z.name),
    values.domain ?? [],
    values.zone ?? [],
  );

  if (records.length === 0 && !checksCustomers) {
    io.out("no records to verify\n");
    return 0;
  }

  const dnsOpts = deps.dns ?? {};
  const servers: Server[] = resolverSpec ? [{ host: await addressOf(resolverSpec.host), port: resolverSpec.port }] : [];
  const shown = new ResolverLookup(servers).servers().join(", ");
  const asked = resolverSpec ? `resolver ${shown}` : `the system resolver (${shown || "none configured"})`;
  const nsAddresses = new Map<string, Server>();
  for (const pin of nsPins) nsAddresses.set(pin.name, { host: await addressOf(pin.host), port: pin.port });
  const ask: AskServer = (server, name, type) => authoritativeLookup(server, name, type, { timeoutMs: dnsOpts.timeoutMs, tries: dnsOpts.tries });
  // A fresh resolver (c-ares channel) each round, so that no answer is reused from its query cache while waiting.
  const check: Checker = async (selected) => {
    const resolver = new ResolverLookup(servers, dnsOpts);
    try {
      return await (values.authoritative ? viaAuthoritative(resolver, ask, { nsAddresses }) : viaResolver(resolver))(selected);
    } finally {
      resolver.cancel();
    }
  };
  const via = values.authoritative ? `the authoritative servers; NS looked up through ${asked}` : asked;
  let out = "";
  let status = 0;
  if (records.length && format !== "html") {
    const checks = await pollUntilOk(records, check, {
      waitMs,
      clock: deps.clock ?? systemClock,
      progress: (checks, left) => io.err(`${progressLine(checks, left)}\n`),
    });
    // Each selected sender domain's DMARC and SPF, once the records are in (or the wait is over).
    const resolver = new ResolverLookup(servers, dnsOpts);
    const selected = new Set(records.map((r) => r.domain));
    let report: Readiness[];
    try {
      report = await gatherReadiness(
        config.domains.filter((d) => selected.has(d.name)),
        checks,
        resolver,
      );
    } finally {
      resolver.cancel();
    }
    out = formatChecks(checks, report, format, via);
    status = verifyOk(checks, report) ? 0 : 1;
  }
  if (!checksCustomers) {
    io.out(out);
    return status;
  }
  const { specs, unkeyed } = slotSpecs(config, lock);
  if (unkeyed.length)
    io.err(
      `warning: ${unkeyed.length} customer slots have no key in ${config.lockFile} and are not checked (dkimctl keys makes them): ` +
        `${unkeyed.slice(0, 3).join(", ")}${unkeyed.length > 3 ? ", ..." : ""}\n`,
    );
  const resolvers = servers.length ? servers : new ResolverLookup().servers().flatMap((s) => parseServer(s) ?? []);
  const delegation: string[] = [];
  const customers = await verifyDelegations(
    {
      specs,
      statusFile: statusFileOf(config.lockFile),
      mode: values.authoritative ? "authoritative" : "recursive",
      resolvers,
      nsAddresses,
      via,
      format: format === "json" || format === "html" ? format : "text",
      settings,
      dns: { timeoutMs: dnsOpts.timeoutMs },
    },
    { ...io, out: (t) => delegation.push(t) },
  );
  io.out(combine(format, out, delegation.join("")));
  return Math.max(status, customers.status);
}

/** The records' report and the customers' in one output: json as one object, markdown with the customers' text in a block. */
function combine(format: string, records: string, customers: string): string {
  if (format === "html") return customers;
  if (format === "json") return `${JSON.stringify({ ...(records ? JSON.parse(records) : {}), delegation: JSON.parse(customers) }, null, 2)}\n`;
  if (!records) return customers;
  return format === "markdown" ? `${records}\n### Customers\n\n\`\`\`\n${customers}\`\`\`\n` : `${records}\n${customers}`;
}

function parse(args: string[]) {
  return parseOptions(args, parserOptions(OPTIONS)).values;
}

function parseNsAddress(text: string): { name: string; host: string; port: number } {
  const eq = text.indexOf("=");
  const name = eq > 0 ? canonicalName(text.slice(0, eq).trim()) : "";
  if (eq <= 0 || name === "") throw new UsageError(`--ns-address must be NS=HOST[:PORT], e.g. ns1.example.com=192.0.2.1:5353, not '${text}'`);
  return { name, ...hostPort("ns-address", text.slice(eq + 1)) };
}

/** Applies --domain and --zone (each repeatable; both given: a record must match both). */
function select(records: readonly DesiredRecord[], domains: string[], zones: string[], wantDomains: string[], wantZones: string[]): DesiredRecord[] {
  const pick = (option: string, given: string[], known: string[]) =>
    new Set(
      given.map((g) => {
        const n = checkHostName(g, "publish");
        if (!n.ok || !known.includes(n.value))
          throw new UsageError(
            `--${option} '${g}' is not a ${option} in the config; ${option === "domain" ? "domains" : "zones"}: ${known.join(", ") || "none"}`,
          );
        return n.value;
      }),
    );
  const d = pick("domain", wantDomains, domains);
  const z = pick("zone", wantZones, zones);
  const selected = records.filter((r) => (d.size === 0 || d.has(r.domain)) && (z.size === 0 || z.has(r.zone)));
  if (selected.length === 0 && (d.size || z.size))
    throw new UsageError(
      `no records match ${[...[...d].map((x) => `--domain ${x}`), ...[...z].map((x) => `--zone ${x}`)].join(" ")}: ` +
        "a record must match one --domain and one --zone",
    );
  return selected;
}
