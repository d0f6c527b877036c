/** `dkimctl rotate`: advance every rotated domain and every customer by its policy. */
import { existsSync } from "node:fs";
import { commandHint } from "../../command-hint";
import type { Config, Customer } from "../../config/model";
import { keyType } from "../../dkim/keys";
import { keyRecordValue } from "../../dkim/record";
import { splitTxt } from "../../dkim/txt";
import { selectorName } from "../../dns/names";
import { type CustomerRecord, servedSince, switchRefusal } from "../../delegation/gate";
import { readStatus, type Status, statusFileOf } from "../../delegation/status-file";
import { ResolverLookup } from "../../dns/resolver";
import { addressOf } from "../../dns/server";
import type { Lock } from "../../keys/lock";
import { type DesiredRecord, desiredRecords } from "../../records";
import { rotate as advanceAll } from "../../rotation/rotate";
import { type CustomerRotation, rotateCustomers } from "../../rotation/rotate-customers";
import type { SlotKey } from "../../rotation/slots";
import { viaResolver } from "../../verify/gather";
import { hostPort, parseNow } from "../args";
import type { Command } from "../command";
import { asWriter, domainOption, load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import type { Io } from "../io";
import { UsageError } from "../report";
import { progress } from "../progress";

const USAGE = [
  "  dkimctl rotate [--now TIME] [--domain D]... [--force] [--max N] [--verify [--resolver HOST[:PORT]]] [--quiet] [--config FILE] [--key-store DIR]",
];
const OPTIONS = withCommon({
  now: {
    type: "string",
    arg: "TIME",
    help: "act as if it were TIME, an ISO 8601 time with a zone (e.g. 2026-11-26T04:00:00Z; default: now); never before the lock's last change",
  },
  domain: {
    type: "string",
    multiple: true,
    arg: "D",
    help: "advance only this rotated domain or customer (default: every domain with a rotation policy and every customer)",
  },
  force: {
    type: "boolean",
    help:
      "start a new key now for each selected domain even where its active key is not yet due (e.g. after a leak); " +
      "a customer switches slots as soon as its next key may sign",
  },
  max: {
    type: "string",
    arg: "N",
    help: "give new keys to at most N customers in this run, those waiting longest first; the others keep theirs until a later run",
  },
  verify: {
    type: "boolean",
    help: "make a pending key active only once DNS also serves its record exactly (asked through the resolver), not on publishAhead alone",
  },
  resolver: { type: "string", arg: "HOST[:PORT]", help: "with --verify: the resolver to ask (default: the system resolver)" },
  quiet: { type: "boolean", short: "q", help: "print nothing on stderr but warnings and errors: no progress line while keys are made, no config line" },
});

export const rotate: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Advances every domain with a rotation policy by its policy: a new key published ahead (pending), made active once\n" +
      "published, the old one retired then revoked and removed. Customers rotate through their slots: the next key at the idle\n" +
      "slot, the switch once dkimctl verify has seen the slot serve it for publishAhead (and the replaced key's TTL: the signing\n" +
      "gate's dkim.status.json); a switch held back is named on stderr. Their own records never change.\n" +
      "Writes the lock (commit it and deploy) and new private keys to the key store; after the deploy, give the signer a new\n" +
      "export. Run it on a schedule; it does nothing when nothing is due.",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    if (values.resolver !== undefined && !values.verify) throw new UsageError("--resolver applies only with --verify");
    const now = parseNow(values.now);
    const { config, lock: read } = load(io, values, { keys: true, quiet: values.quiet, missingKeys: "allowed" });
    const max = values.max === undefined ? undefined : count("max", values.max);
    const rotated = config.domains.filter((d) => d.rotation).map((d) => d.name);
    const customers = new Set(config.customers.map((c) => c.name));
    const wanted = values.domain?.map((d) => domainOption("domain", d));
    for (const d of wanted ?? [])
      if (!rotated.includes(d) && !customers.has(d))
        throw new UsageError(
          `--domain ${d} is ${customers.size ? "neither a rotated domain nor a customer" : "not a rotated domain"} in ${config.file}` +
            (rotated.length ? ` (rotated: ${rotated.join(", ")})` : ": no domain has a rotation policy"),
        );
    const seen = values.verify ? await pendingSeenInDns(config, read, values.resolver, io) : undefined;
    const seenSlots = values.verify ? await pendingSlotsSeenInDns(config, read, values.resolver, io) : undefined;
    const status = config.customers.length ? gateStatus(config, io) : undefined;
    const gate = status && signingGate(status, read, seenSlots);
    return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
      const shown = progress(io, { what: "keys", quiet: values.quiet });
      const results = await advanceAll(config, lock, store, {
        ...writes,
        progress: shown,
        notice: (t: string) => io.err(`note: ${t}\n`),
        now,
        force: values.force,
        ...(wanted ? { domains: wanted.filter((d) => !customers.has(d)) } : {}),
        ...(seen ? { isPublished: (domain: string, selector: string) => seen.has(selectorName(selector, domain)) } : {}),
      });
      const customerResults = await rotateCustomers(config, lock, store, {
        ...writes,
        progress: shown,
        now,
        force: values.force,
        ...(max !== undefined ? { max } : {}),
        ...(wanted ? { customers: wanted.filter((d) => customers.has(d)) } : {}),
        ...(gate ? { seen: gate } : {}),
      });
      shown.end();
      const changed = results.some((r) => r.events.length > 0) || customerResults.some((r) => r.events.length > 0);
      if (changed) writes.commit();
      reportCustomers(io, customerResults);
      if (status) reportHeld(io, customerResults, status, read);
      for (const r of results) {
        for (const e of r.events) io.out(`${r.domain}: ${e.selector} (${e.algorithm}) ${e.from ?? "new"} -> ${e.to}: ${e.why}\n`);
        const signing = lock
          .rotated(r.domain)
          .filter((k) => k.entry.state === "active")
          .map((k) => `${k.selector} (${k.entry.algorithm})`);
        io.out(`${r.domain}: signs with ${signing.length ? signing.join(", ") : "nothing yet"}${r.next ? `; next change due ${r.next.toISOString()}` : ""}\n`);
      }
      io.out(
        changed
          ? `wrote ${config.lockFile}: commit it and deploy; ` +
              `after the deploy, give the signer the new export (${commandHint("export --format FORMAT --out DIR", config.invocation)})\n`
          : "nothing to rotate\n",
      );
      return 0;
    });
  },
};

/** One line per change of each customer that changed, and a line for those --max deferred. */
function reportCustomers(io: Io, results: readonly CustomerRotation[]): void {
  for (const r of results) {
    if (r.events.length === 0) continue;
    for (const e of r.events) io.out(`${r.customer}: ${e.slot} (generation ${e.generation}) ${e.from ?? "new"} -> ${e.to}: ${e.why}\n`);
    io.out(`${r.customer}: signs with ${r.signing ?? "nothing yet"}${r.next ? `; next change due ${r.next.toISOString()}` : ""}\n`);
  }
  const deferred = results.filter((r) => r.deferred).map((r) => r.customer);
  if (deferred.length)
    io.out(
      `${deferred.length} customer${deferred.length === 1 ? "" : "s"} due for new keys wait for a later run (--max): ` +
        `${deferred.slice(0, 5).join(", ")}${deferred.length > 5 ? ", ..." : ""}\n`,
    );
}

/** The signing gate's status file (`verify` writes it), with a note when there is none yet. */
function gateStatus(config: Config, io: Io): Status {
  const file = statusFileOf(config.lockFile);
  if (!existsSync(file))
    io.err(`note: no ${file} yet: no customer switches to a slot until ${commandHint("verify", config.invocation)} has seen it delegated\n`);
  return readStatus(file);
}

/**
 * The signing gate as rotation asks it: since when the customer's slot has
 * been seen delegated serving this very key (the status file records the
 * key's fingerprint), and, with --verify, only while DNS serves it now too.
 * A key placed in this run is not in the lock yet: never seen.
 */
function signingGate(
  status: Status,
  lock: Lock,
  seenInDns: ((customer: Customer, key: SlotKey) => Date | undefined) | undefined,
): (customer: Customer, key: SlotKey) => Date | undefined {
  return (customer, key) => {
    const entry = lock.slotKey(customer.name, key.slot);
    if (entry?.generation !== key.generation) return undefined;
    const since = servedSince(status.customers.get(customer.name), key.slot, entry.fingerprint);
    return since && seenInDns && !seenInDns(customer, key) ? undefined : since;
  };
}

/** Customers whose held switch is named one per line; the rest are counted. */
const HELD_SHOWN = 50;

/** One line on stderr per customer whose switch the signing gate held back (the first 50), naming the slot and why. */
function reportHeld(io: Io, results: readonly CustomerRotation[], status: Status, lock: Lock): void {
  const held = results.filter((r) => r.held);
  if (held.length > HELD_SHOWN) io.err(`held: ${held.length} customers' switches (the first ${HELD_SHOWN} below):\n`);
  for (const r of held.slice(0, HELD_SHOWN)) {
    if (!r.held) continue;
    const record: CustomerRecord | undefined = status.customers.get(r.customer);
    const entry = lock.slotKey(r.customer, r.held.slot);
    const since = entry && servedSince(record, r.held.slot, entry.fingerprint);
    const why =
      switchRefusal(record, r.customer, r.held.slot) ??
      `${r.customer}: slot ${r.held.slot} ${since ? `serves its new key since ${since.toISOString()}` : "has not been seen serving its new key yet"}: ` +
        "signing switches to it once it has served it for publishAhead (run dkimctl verify after each deploy)";
    io.err(`held: ${why}\n`);
  }
}

/** `--max`: a whole number from 1. */
function count(name: string, text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`--${name} must be a whole number from 1, not '${text.slice(0, 40)}'`);
  return Number(text);
}

/**
 * rotate --verify for customers: a `cname` customer's pending slot key
 * counts as published (from when it was placed) only once a resolver,
 * following the customer's CNAME, serves it at `<slot>._domainkey.<customer>`.
 * A `txt` customer's is switched to only by the signing gate, which knows
 * since when the customer has published it.
 */
async function pendingSlotsSeenInDns(
  config: Config,
  lock: Lock,
  resolver: string | undefined,
  io: Io,
): Promise<((customer: Customer, key: SlotKey) => Date | undefined) | undefined> {
  const pending: DesiredRecord[] = [];
  for (const c of config.customers) {
    if (c.delegation !== "cname") continue;
    const keyZone = config.zones.find((z) => z.name === c.keyZone)!;
    for (const slot of c.slots) {
      const entry = lock.slotKey(c.name, slot);
      if (!entry || entry.state === "active" || entry.state === "retiring") continue;
      const value = keyRecordValue(keyType(entry.algorithm), entry.publicKey);
      const name = selectorName(slot, c.name);
      // The key as a receiver reads it: at the customer's selector name, through its CNAME to our target.
      pending.push({
        kind: "dkim-key",
        role: "customer",
        zone: keyZone.name,
        provider: keyZone.provider,
        domain: c.name,
        selector: slot,
        name,
        type: "TXT",
        ttl: c.ttl,
        value,
        strings: splitTxt(value),
      });
    }
  }
  if (pending.length === 0) return undefined;
  const spec = resolver === undefined ? undefined : hostPort("resolver", resolver);
  const lookup = new ResolverLookup(spec ? [{ host: await addressOf(spec.host), port: spec.port }] : []);
  try {
    const checks = await viaResolver(lookup)(pending);
    for (const c of checks) if (c.status !== "ok") io.err(`verify: ${c.record.name} is ${c.status} in DNS: its key stays pending until DNS serves it\n`);
    const served = new Set(checks.filter((c) => c.status === "ok").map((c) => `${c.record.name} ${c.record.value}`));
    return (customer, key) => {
      if (customer.delegation !== "cname") return undefined;
      const entry = lock.slotKey(customer.name, key.slot);
      const value = entry && keyRecordValue(keyType(entry.algorithm), entry.publicKey);
      return served.has(`${selectorName(key.slot, customer.name)} ${value}`) ? new Date(Date.parse(key.created)) : undefined;
    };
  } finally {
    lookup.cancel();
  }
}

/** Names of pending selectors whose record DNS already serves exactly (rotate --verify). */
async function pendingSeenInDns(config: Config, lock: Lock, resolver: string | undefined, io: Io): Promise<Set<string>> {
  const pending = desiredRecords(config, lock).filter((r) => r.selector !== undefined && lock.get(r.domain, r.selector)?.state === "pending");
  if (pending.length === 0) return new Set();
  const spec = resolver === undefined ? undefined : hostPort("resolver", resolver);
  const lookup = new ResolverLookup(spec ? [{ host: await addressOf(spec.host), port: spec.port }] : []);
  try {
    const checks = await viaResolver(lookup)(pending);
    for (const c of checks) if (c.status !== "ok") io.err(`verify: ${c.record.name} is ${c.status} in DNS: it stays pending until DNS serves it\n`);
    return new Set(checks.filter((c) => c.status === "ok").map((c) => c.record.name));
  } finally {
    lookup.cancel();
  }
}
