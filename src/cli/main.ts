/**
 * dkimctl: the key work around `cdktf plan` / `cdktf deploy`. Thin over
 * src/config, src/keys and src/records.
 */
import { readFileSync } from "node:fs";
import type { ParseArgsConfig } from "node:util";
import { configPath, loadConfig } from "../config/load";
import type { Config } from "../config/model";
import { EXPORT_FORMATS, ExportFormat, collectKeys, writeExport } from "../keys/export";
import { Lock } from "../keys/lock";
import { checkStore, ensureKeys, importKey, WriteOptions } from "../keys/manage";
import { KeyStore, localKeyStore } from "../keys/store";
import { ProjectLock, withProjectLock } from "../keys/project-lock";
import { normaliseDomain, normaliseSelector } from "../dkim/names";
import { parseIsoTime } from "../time";
import { desiredRecords } from "../records";
import { checkPlan } from "../plan/check-plan";
import { rotate } from "../rotation/rotate";
import { recordName } from "../dkim/names";
import { dirname } from "node:path";
import { addressOf, ResolverLookup } from "../dns/client";
import { viaResolver } from "../verify";
import { formatRecords, RECORD_FORMATS, RecordFormat } from "./formats";
import { exitCodeFor, formatFailure, UsageError } from "./report";
import { hostPort, oneOf, parseOptions, required } from "./args";
import { VERIFY_HELP, VERIFY_USAGE_LINES, verifyCommand } from "./verify-command";
import { ProblemsError } from "../config/problems";

export const USAGE = `dkimctl: DKIM keys as infrastructure code

Usage:
  dkimctl validate [--config FILE]
  dkimctl keys [--config FILE] [--key-store DIR]
  dkimctl keys import --domain D --selector S --key FILE.pem [--config FILE] [--key-store DIR]
  dkimctl rotate [--now TIME] [--domain D]... [--force] [--verify [--resolver HOST[:PORT]]] [--config FILE] [--key-store DIR]
  dkimctl records [--config FILE] [--format table|zone|json|markdown]
  dkimctl export --format pem|opendkim|json --out DIR [--force] [--config FILE] [--key-store DIR]
${VERIFY_USAGE_LINES.join("\n")}
  dkimctl check-plan PLAN.json [--config FILE]

--config defaults to $DKIMCTL_CONFIG, else domains.yaml; dkim.lock.yaml sits beside it.
--key-store defaults to $DKIMCTL_KEY_STORE, else .dkim/keys/ beside the config.
Commands that write the lock or the key store (keys, keys import, rotate) take turns: a second run waits for the first.
Exit status: 0 success, 1 invalid input or a failed check, 2 usage error.
`;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const COMMON = { config: { type: "string" }, "key-store": { type: "string" }, help: { type: "boolean", short: "h" } } as const;

function parse<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O, positionals = 0) {
  return parseOptions(args, { ...COMMON, ...options }, positionals);
}

function load(io: Io, file: string | undefined): Config {
  const config = loadConfig(configPath(file));
  for (const w of config.warnings) io.err(`warning: ${w}\n`);
  return config;
}

/**
 * Runs `fn` as the project's only writer, with its key store opened (checked,
 * and cleared of what an interrupted run left). `writes` is what `fn` needs
 * to change the lock and store safely: nothing is written after the project
 * lock was lost.
 */
async function asWriter<T>(io: Io, config: Config, keyStore: string | undefined, fn: (store: KeyStore, lock: Lock, writes: WriteOptions & { commit(): void }) => Promise<T>): Promise<T> {
  const store = localKeyStore(config.file, keyStore);
  return withProjectLock(
    dirname(config.lockFile),
    async (held: ProjectLock) => {
      await store.open();
      const lock = Lock.read(config.lockFile);
      return fn(store, lock, {
        beforeWrite: () => held.assertHeld(),
        commit: () => {
          held.assertHeld();
          lock.write(config.lockFile);
        },
      });
    },
    { onWait: (m) => io.err(`${m}\n`) },
  );
}

/** A domain as the user typed it (--domain), in its published form. */
function domainOption(name: string, text: string): string {
  const d = normaliseDomain(text);
  if (!d.ok) throw new UsageError(`--${name} '${text.slice(0, 64)}' ${d.reason}`);
  return d.value;
}

type Command = (args: string[], io: Io) => number | Promise<number>;

const commands: Record<string, Command> = {
  async validate(args, io) {
    const { values } = parse(args, {});
    const config = load(io, values.config);
    const lock = Lock.read(config.lockFile);
    const records = desiredRecords(config, lock);
    // Where the key store is at hand, the lock must hold its keys' public halves.
    const store = localKeyStore(config.file, values["key-store"]);
    const problems = [...store.check()];
    if (problems.length === 0) problems.push(...(await checkStore(lock, store, { requirePrivate: false, lockFile: config.lockFile })));
    if (problems.length) throw new ProblemsError(problems);
    io.out(`${config.file}: ok (${config.zones.length} zones, ${config.domains.length} domains, ${records.length} records)\n`);
    return 0;
  },

  async keys(args, io) {
    if (args[0] === "import") return importCommand(args.slice(1), io);
    const { values } = parse(args, {});
    const config = load(io, values.config);
    return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
      const changes = await ensureKeys(config, lock, store, writes);
      if (changes.length) writes.commit();
      for (const missing of await checkStore(lock, store, { requirePrivate: true, lockFile: config.lockFile })) io.err(`warning: ${missing}\n`);
      for (const c of changes) io.out(`${c.action} ${c.algorithm} key for ${c.domain}/${c.selector} (${c.fingerprint})\n`);
      io.out(changes.length ? `wrote ${config.lockFile}: commit it; the private keys are in ${store.description}\n` : "every generated selector has a key; nothing to do\n");
      return 0;
    });
  },

  rotate: rotateCommand,

  "check-plan"(args, io) {
    const { values, positionals } = parse(args, {}, 1);
    const file = positionals[0];
    if (file === undefined) throw new UsageError("give the plan: dkimctl check-plan PLAN.json (from 'terraform show -json PLANFILE')");
    let plan: unknown;
    try {
      plan = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`cannot read ${file} as JSON (${(e as Error).message}): make it with 'terraform show -json PLANFILE > ${file}'`);
    }
    const config = load(io, values.config);
    const findings = checkPlan(plan, config, Lock.read(config.lockFile));
    for (const f of findings) io.err(`${f.severity}: ${f.address}${f.name ? ` (${f.name})` : ""}: ${f.message}\n`);
    // One change can break signing in more than one way: count the changes.
    const errors = new Set(findings.filter((f) => f.severity === "error").map((f) => f.address)).size;
    io.out(errors ? `${file}: ${errors} change${errors === 1 ? "" : "s"} refused; do not apply this plan\n` : `${file}: ok, nothing in it breaks signing\n`);
    return errors ? 1 : 0;
  },
  verify: (args, io) => verifyCommand(args, io),

  records(args, io) {
    const { values } = parse(args, { format: { type: "string", short: "f" } });
    const format = oneOf<RecordFormat>("format", values.format, RECORD_FORMATS, "table");
    const config = load(io, values.config);
    io.out(formatRecords(desiredRecords(config, Lock.read(config.lockFile)), format));
    return 0;
  },

  async export(args, io) {
    const { values } = parse(args, { format: { type: "string", short: "f" }, out: { type: "string", short: "o" }, force: { type: "boolean" } });
    const format = oneOf<ExportFormat>("format", values.format, EXPORT_FORMATS);
    const out = required("out", values.out);
    const config = load(io, values.config);
    const store = localKeyStore(config.file, values["key-store"]);
    const keys = await collectKeys(config, Lock.read(config.lockFile), store);
    const files = writeExport(keys, format, out, { force: values.force, protect: [config.file, config.lockFile, store.description] });
    io.out(`exported ${keys.length} private keys as ${format} to ${out} (${files.length} files, mode 0600): hand them to the signer and keep them out of git\n`);
    return 0;
  },
};

/** `--now`: an ISO 8601 date-time with a zone (e.g. 2026-11-26T04:00:00Z), default the current time. */
export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const t = parseIsoTime(text);
  if (t === undefined) throw new UsageError(`--now must be a real ISO 8601 time such as 2026-11-26T04:00:00Z, not '${text.slice(0, 40)}'`);
  return t;
}

async function rotateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { now: { type: "string" }, domain: { type: "string", multiple: true }, force: { type: "boolean" }, verify: { type: "boolean" }, resolver: { type: "string" } });
  if (values.resolver !== undefined && !values.verify) throw new UsageError("--resolver applies only with --verify");
  const now = parseNow(values.now);
  const config = load(io, values.config);
  const rotated = config.domains.filter((d) => d.rotation).map((d) => d.name);
  const wanted = values.domain?.map((d) => domainOption("domain", d));
  for (const d of wanted ?? []) if (!rotated.includes(d)) throw new UsageError(`--domain ${d} is not a rotated domain in ${config.file}${rotated.length ? ` (rotated: ${rotated.join(", ")})` : ": no domain has a rotation policy"}`);
  const seen = values.verify ? await pendingSeenInDns(config, Lock.read(config.lockFile), values.resolver, io) : undefined;
  return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
    const results = await rotate(config, lock, store, {
      ...writes,
      now,
      force: values.force,
      ...(wanted ? { domains: wanted } : {}),
      ...(seen ? { isPublished: (domain: string, selector: string) => seen.has(recordName(selector, domain)) } : {}),
    });
    const changed = results.some((r) => r.events.length > 0);
    if (changed) writes.commit();
    for (const r of results) {
      for (const e of r.events) io.out(`${r.domain}: ${e.selector} (${e.algorithm}) ${e.from ?? "new"} -> ${e.to}: ${e.why}\n`);
      const signing = lock.rotated(r.domain).filter((k) => k.entry.state === "active").map((k) => `${k.selector} (${k.entry.algorithm})`);
      io.out(`${r.domain}: signs with ${signing.length ? signing.join(", ") : "nothing yet"}${r.next ? `; next change due ${r.next.toISOString()}` : ""}\n`);
    }
    io.out(changed ? `wrote ${config.lockFile}: commit it and deploy; after the deploy, give the signer the new export (dkimctl export)\n` : "nothing to rotate\n");
    return 0;
  });
}

/** Names of pending selectors whose record DNS already serves exactly (rotate --verify). */
async function pendingSeenInDns(config: Config, lock: Lock, resolver: string | undefined, io: Io): Promise<Set<string>> {
  const pending = desiredRecords(config, lock).filter((r) => lock.get(r.domain, r.selector)?.state === "pending");
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

async function importCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { domain: { type: "string" }, selector: { type: "string" }, key: { type: "string" } });
  const domain = domainOption("domain", required("domain", values.domain));
  const sel = normaliseSelector(required("selector", values.selector));
  if (!sel.ok) throw new UsageError(`--selector '${values.selector!.slice(0, 64)}' ${sel.reason}`);
  const selector = sel.value;
  const keyFile = required("key", values.key);
  const config = load(io, values.config);
  let pem: string;
  try {
    pem = readFileSync(keyFile, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
    const c = await importKey(config, lock, store, domain, selector, pem, writes);
    writes.commit();
    io.out(`imported ${c.algorithm} key for ${c.domain}/${c.selector} (${c.fingerprint}); wrote ${config.lockFile}: commit it\n`);
    return 0;
  });
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  try {
    if (!command) throw new UsageError(`unknown command '${name}'`);
    if (args.includes("--help") || args.includes("-h")) {
      io.out(name === "verify" ? VERIFY_HELP : USAGE);
      return 0;
    }
    return await command(args, io);
  } catch (e) {
    io.err(formatFailure(e));
    return exitCodeFor(e);
  }
}
