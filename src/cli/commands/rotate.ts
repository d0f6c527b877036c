/** `dkimctl rotate`: advance every rotated domain by its policy. */
import { commandHint } from "../../command-hint";
import type { Config } from "../../config/model";
import { selectorName } from "../../dns/names";
import { ResolverLookup } from "../../dns/resolver";
import { addressOf } from "../../dns/server";
import type { Lock } from "../../keys/lock";
import { desiredRecords } from "../../records";
import { rotate as advanceAll } from "../../rotation/rotate";
import { viaResolver } from "../../verify/gather";
import { hostPort, parseNow } from "../args";
import type { Command } from "../command";
import { asWriter, domainOption, load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import type { Io } from "../io";
import { UsageError } from "../report";
import { progress } from "../progress";

const USAGE = ["  dkimctl rotate [--now TIME] [--domain D]... [--force] [--verify [--resolver HOST[:PORT]]] [--quiet] [--config FILE] [--key-store DIR]"];
const OPTIONS = withCommon({
  now: {
    type: "string",
    arg: "TIME",
    help: "act as if it were TIME, an ISO 8601 time with a zone (e.g. 2026-11-26T04:00:00Z; default: now); never before the lock's last change",
  },
  domain: { type: "string", multiple: true, arg: "D", help: "advance only this rotated domain (default: every domain with a rotation policy)" },
  force: { type: "boolean", help: "start a new key now for each selected domain even where its active key is not yet due (e.g. after a leak)" },
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
      "published, the old one retired then revoked and removed. Writes the lock (commit it and deploy) and new private keys\n" +
      "to the key store; after the deploy, give the signer a new export. Run it on a schedule; it does nothing when nothing is due.",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    if (values.resolver !== undefined && !values.verify) throw new UsageError("--resolver applies only with --verify");
    const now = parseNow(values.now);
    const { config, lock: read } = load(io, values, { keys: true, quiet: values.quiet, missingKeys: "allowed" });
    const rotated = config.domains.filter((d) => d.rotation).map((d) => d.name);
    const wanted = values.domain?.map((d) => domainOption("domain", d));
    for (const d of wanted ?? [])
      if (!rotated.includes(d))
        throw new UsageError(
          `--domain ${d} is not a rotated domain in ${config.file}` +
            (rotated.length ? ` (rotated: ${rotated.join(", ")})` : ": no domain has a rotation policy"),
        );
    const seen = values.verify ? await pendingSeenInDns(config, read, values.resolver, io) : undefined;
    return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
      const shown = progress(io, { what: "keys", quiet: values.quiet });
      const results = await advanceAll(config, lock, store, {
        ...writes,
        progress: shown,
        notice: (t: string) => io.err(`note: ${t}\n`),
        now,
        force: values.force,
        ...(wanted ? { domains: wanted } : {}),
        ...(seen ? { isPublished: (domain: string, selector: string) => seen.has(selectorName(selector, domain)) } : {}),
      });
      shown.end();
      const changed = results.some((r) => r.events.length > 0);
      if (changed) writes.commit();
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
