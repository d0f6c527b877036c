/**
 * `dkimctl verify`: does DNS serve the desired records?
 *
 * - `compare()`: pure; one desired record and what DNS returned -> a status.
 * - `viaResolver()` / `viaAuthoritative()`: gather answers for every record
 *   (through injected lookups, so tests can fake them) and compare.
 * - `pollUntilOk()`: repeats the check until every record is ok or time runs
 *   out, with an injected clock.
 * - `formatChecks()`: text, json and markdown reports.
 */
import { abbreviate } from "./dkim/record";
import { mdCell, mdCode, mdRow } from "./cli/markdown";
import type { LookupResult, LookupType } from "./dns/lookup";
import { canonicalName } from "./dns/names";
import { formatServer, Server } from "./dns/server";
import type { DesiredRecord } from "./records";
import { formatDuration } from "./duration";
import { mapLimit } from "./map-limit";

export type Status = "ok" | "missing" | "different" | "duplicate" | "error";

export interface Finding {
  readonly status: Status;
  /** What DNS holds at the name: TXT, one entry per record with its strings; CNAME, one `[target]` per record. */
  readonly found: string[][];
  /** Why the status; for `ok`, optional information (e.g. a different split of the strings). */
  readonly detail: string;
}

export interface ServerFinding extends Finding {
  /** The authoritative server asked, e.g. `ns1.example.com (192.0.2.1:53)`. */
  readonly server: string;
}

export interface Check extends Finding {
  readonly record: DesiredRecord;
  /** `--authoritative`: what each of the zone's servers said. */
  readonly servers?: readonly ServerFinding[];
}

/** `1 string`, `2,000 records` */
const count = (n: number, what: string) => `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;

const byteLengths = (strings: readonly string[]) => strings.map((s) => Buffer.byteLength(s, "utf8"));

/** Compares what DNS returned for the record's name with the desired record. */
export function compare(record: DesiredRecord, result: LookupResult): Finding {
  switch (result.kind) {
    case "error":
      return { status: "error", found: [], detail: result.reason };
    case "nxdomain":
      return { status: "missing", found: [], detail: "no such name (NXDOMAIN)" };
    case "nodata":
      if (result.cname && record.type === "TXT")
        return { status: "different", found: [], detail: `the name is a CNAME to ${result.cname}, not a TXT record` };
      return { status: "missing", found: [], detail: `the name has no ${record.type} record (NODATA)` };
    case "answer":
      return record.type === "TXT" ? compareTxt(record, result.values) : compareCname(record, result.values);
  }
}

function compareTxt(record: DesiredRecord, values: string[][]): Finding {
  const found = values.map((v) => [...v]);
  if (values.length === 0) return { status: "missing", found, detail: "the name has no TXT record" };
  if (values.length > 1) {
    const matching = values.some((v) => v.join("") === record.value);
    return {
      status: "duplicate",
      found,
      detail: `${count(values.length, "TXT record")} at the name; a DKIM verifier needs exactly one (RFC 6376 3.6.2.2); ${matching ? "one of them is the expected record" : "none of them is the expected record"}`,
    };
  }
  const strings = values[0];
  const joined = strings.join("");
  if (joined === record.value) {
    const same = strings.length === record.strings.length && strings.every((s, i) => s === record.strings[i]);
    const detail = same
      ? ""
      : `info: same value, split differently: published as ${strings.length} string${strings.length === 1 ? "" : "s"} of ${byteLengths(strings).join(", ")} bytes; dkimctl writes ${record.strings.length} of ${byteLengths(record.strings).join(", ")}`;
    return { status: "ok", found, detail };
  }
  return { status: "different", found, detail: describeTxtDifference(record.value, joined) };
}

const pTag = (value: string) => /(?:^|;)\s*p\s*=([^;]*)/.exec(value)?.[1].replace(/\s+/g, "");

/** A short reason why a published TXT value is not the expected one. */
export function describeTxtDifference(expected: string, found: string): string {
  const [e, f] = [Buffer.byteLength(expected), Buffer.byteLength(found)];
  if (f < e && expected.startsWith(found)) return `truncated: the published value is the first ${f} of ${e} bytes (a string cut short or lost?)`;
  const [pe, pf] = [pTag(expected), pTag(found)];
  if (pf === undefined) return "the published value is not a DKIM key record (no p=)";
  if (pf === "" && pe !== "") return "the published record revokes the key (empty p=)";
  if (pe !== pf) return "a different key: p= differs";
  return "the tags differ (same p=)";
}

function compareCname(record: DesiredRecord, values: string[][]): Finding {
  const targets = values.map((v) => canonicalName(v[0] ?? ""));
  const found = targets.map((t) => [t]);
  const want = canonicalName(record.value);
  if (targets.length === 0) return { status: "missing", found, detail: "the name has no CNAME record" };
  if (targets.length > 1) return { status: "duplicate", found, detail: `${targets.length} CNAME records at the name; DNS allows one` };
  if (targets[0] === want) return { status: "ok", found, detail: "" };
  return { status: "different", found, detail: `points to ${targets[0]}, expected ${want}` };
}

/** When servers disagree, the overall status is the first of these that any server has. */
const SEVERITY: readonly Status[] = ["different", "duplicate", "missing", "error"];

/** One record's findings on every authoritative server -> one check: ok only when ok everywhere. */
export function combine(record: DesiredRecord, servers: readonly ServerFinding[]): Check {
  if (servers.length === 0) return { record, status: "error", found: [], detail: "no authoritative server to ask", servers };
  const key = (f: Finding) => JSON.stringify([f.status, f.found]);
  const agree = servers.every((s) => key(s) === key(servers[0]));
  if (agree) {
    const details = [...new Set(servers.map((s) => s.detail).filter(Boolean))];
    return { record, status: servers[0].status, found: servers[0].found, detail: details.join("; "), servers };
  }
  const status = SEVERITY.find((st) => servers.some((s) => s.status === st)) ?? "error";
  const worst = servers.find((s) => s.status === status)!;
  const summary = servers.map((s) => `${s.server}: ${s.status}`).join(", ");
  return { record, status, found: worst.found, detail: `the authoritative servers disagree (${summary})`, servers };
}

// ---------------------------------------------------------------------------
// Gathering answers
// ---------------------------------------------------------------------------

/** The lookups verify needs through a (recursive) resolver; ResolverLookup implements it. */
export interface ResolverLike {
  lookup(name: string, type: LookupType): Promise<LookupResult>;
  nameservers(zone: string): Promise<string[]>;
  addresses(host: string): Promise<string[]>;
}

/** Asks one authoritative server; authoritativeLookup implements it. */
export type AskServer = (server: Server, name: string, type: LookupType) => Promise<LookupResult>;

export type Checker = (records: readonly DesiredRecord[]) => Promise<Check[]>;

const CONCURRENCY = 8;

/** Checks each record with one lookup through the resolver. */
export function viaResolver(resolver: ResolverLike): Checker {
  return (records) =>
    mapLimit(records, CONCURRENCY, async (record) => ({ record, ...compare(record, await resolver.lookup(record.name, record.type)) }));
}

export interface AuthoritativeOptions {
  /** Where to reach an NS host instead of its A/AAAA records on port 53, keyed by the NS name (lower case, no trailing dot). */
  readonly nsAddresses?: ReadonlyMap<string, Server>;
  /** @default 53 */
  readonly port?: number;
}

interface NameServer {
  readonly name: string;
  readonly addresses: readonly Server[];
  /** Set when the addresses could not be found. */
  readonly problem?: string;
}

/**
 * Checks each record on every authoritative server of its zone: the zone's NS
 * names come from the resolver, then their addresses (unless pinned by
 * `nsAddresses`); each server is asked directly with RD=0. A server with
 * several addresses counts once: the first address that answers.
 */
export function viaAuthoritative(resolver: ResolverLike, ask: AskServer, opts: AuthoritativeOptions = {}): Checker {
  const port = opts.port ?? 53;
  const findServers = async (zone: string): Promise<NameServer[]> => {
    const names = await resolver.nameservers(zone);
    return Promise.all(
      names.map(async (name): Promise<NameServer> => {
        const pinned = opts.nsAddresses?.get(canonicalName(name));
        if (pinned) return { name, addresses: [pinned] };
        try {
          return { name, addresses: (await resolver.addresses(name)).map((host) => ({ host, port })) };
        } catch (e) {
          return { name, addresses: [], problem: (e as Error).message };
        }
      }),
    );
  };
  const askServer = async (ns: NameServer, record: DesiredRecord): Promise<ServerFinding> => {
    if (ns.problem) return { server: ns.name, status: "error", found: [], detail: ns.problem };
    let last: ServerFinding | undefined;
    for (const address of ns.addresses) {
      const server = `${ns.name} (${formatServer(address)})`;
      last = { server, ...compare(record, await ask(address, record.name, record.type)) };
      if (last.status !== "error") return last;
    }
    return last!;
  };
  return async (records) => {
    const zones = new Map<string, Promise<NameServer[]>>();
    for (const r of records) if (!zones.has(r.zone)) zones.set(r.zone, findServers(r.zone));
    // Settle each zone's lookup once; a zone whose NS cannot be found fails its records, not the run.
    const servers = new Map<string, NameServer[] | Error>();
    for (const [zone, p] of zones) servers.set(zone, await p.catch((e: Error) => e));
    const tasks = records.flatMap((record, index) => {
      const s = servers.get(record.zone)!;
      return s instanceof Error ? [] : s.map((ns) => ({ index, record, ns }));
    });
    const findings = await mapLimit(tasks, CONCURRENCY, (t) => askServer(t.ns, t.record));
    return records.map((record, index) => {
      const s = servers.get(record.zone)!;
      if (s instanceof Error) return { record, status: "error" as const, found: [], detail: s.message };
      return combine(
        record,
        findings.filter((_, i) => tasks[i].index === index),
      );
    });
  };
}

// ---------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------

export interface Clock {
  /** Milliseconds, monotonic enough for deadlines. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PollOptions {
  /** How long to keep trying; 0 checks once. */
  readonly waitMs: number;
  readonly clock: Clock;
  /** Called with a progress line (no newline) before each pause. */
  readonly progress: (line: string) => void;
  /** Pause before round `round + 1` (0-based), before capping by the time left. @default 2s, 4s, 8s, then 10s */
  readonly interval?: (round: number) => number;
}

export const defaultInterval = (round: number): number => Math.min(10_000, 2_000 * 2 ** round);

/** Checks until every record is ok or `waitMs` has passed; returns the last round's checks. */
export async function pollUntilOk(records: readonly DesiredRecord[], check: Checker, opts: PollOptions): Promise<Check[]> {
  const deadline = opts.clock.now() + opts.waitMs;
  const interval = opts.interval ?? defaultInterval;
  for (let round = 0; ; round++) {
    const checks = await check(records);
    const left = deadline - opts.clock.now();
    if (checks.every((c) => c.status === "ok") || left <= 0) return checks;
    opts.progress(progressLine(checks, left));
    await opts.clock.sleep(Math.max(0, Math.min(interval(round), left)));
  }
}

/** `verify: 4/6 ok, waiting for s1._domainkey.example.com (missing), ... 42s left` */
export function progressLine(checks: readonly Check[], leftMs: number, show = 3): string {
  const ok = checks.filter((c) => c.status === "ok").length;
  const pending = checks.filter((c) => c.status !== "ok");
  const named = pending.slice(0, show).map((c) => `${c.record.name} (${c.status})`);
  if (pending.length > show) named.push(`and ${pending.length - show} more`);
  return `verify: ${ok}/${checks.length} ok, waiting for ${named.join(", ")}; ${formatDuration(leftMs)} left`;
}

// ---------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------

export const VERIFY_FORMATS = ["text", "json", "markdown"] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

/** The json report's entries. */
export interface CheckJson {
  name: string;
  type: "TXT" | "CNAME";
  zone: string;
  domain: string;
  selector: string;
  status: Status;
  /** TXT: the logical value; CNAME: the target. */
  expected: string;
  /** TXT: one entry per record with its strings; CNAME: the targets. The first JSON_RECORDS records only. */
  found: string[][] | string[];
  /** How many records DNS returned beyond those in `found`; absent when none. */
  foundOmitted?: number;
  detail: string;
  /** `--authoritative` only. */
  servers?: { server: string; status: Status; found: string[][] | string[]; foundOmitted?: number; detail: string }[];
}

/** At most this many found records in the json report (each whole); the text and markdown reports show SHOWN_RECORDS. */
const JSON_RECORDS = 10;

function foundJson(type: "TXT" | "CNAME", found: string[][]): { found: string[][] | string[]; foundOmitted?: number } {
  const shown = found.slice(0, JSON_RECORDS);
  return { found: type === "TXT" ? shown : shown.map((f) => f[0]), ...(found.length > shown.length ? { foundOmitted: found.length - shown.length } : {}) };
}

export function checkJson(c: Check): CheckJson {
  const r = c.record;
  return {
    name: r.name,
    type: r.type,
    zone: r.zone,
    domain: r.domain,
    selector: r.selector,
    status: c.status,
    expected: r.value,
    ...foundJson(r.type, c.found),
    detail: c.detail,
    ...(c.servers ? { servers: c.servers.map((s) => ({ server: s.server, status: s.status, ...foundJson(r.type, s.found), detail: s.detail })) } : {}),
  };
}

/** `via`: how DNS was asked, e.g. `resolver 127.0.0.1:53` or `the authoritative servers`. */
export function formatChecks(checks: readonly Check[], format: VerifyFormat, via: string): string {
  switch (format) {
    case "json":
      return JSON.stringify(checks.map(checkJson), null, 2) + "\n";
    case "markdown":
      return markdownReport(checks, via);
    case "text":
      return textReport(checks, via);
  }
}

/** `all 6 records ok` / `2 of 6 records not ok: 1 missing, 1 different` */
export function summary(checks: readonly Check[]): string {
  const bad = checks.filter((c) => c.status !== "ok");
  const n = checks.length;
  if (bad.length === 0) return `all ${n} record${n === 1 ? "" : "s"} ok`;
  const counts = SEVERITY.map((s) => [s, bad.filter((c) => c.status === s).length] as const).filter(([, k]) => k > 0);
  return `${bad.length} of ${n} record${n === 1 ? "" : "s"} not ok: ${counts.map(([s, k]) => `${k} ${s}`).join(", ")}`;
}

/** Found records the text and markdown reports show; the rest are counted. */
const SHOWN_RECORDS = 3;
/** A TXT value longer than this (after the p= is shortened) is cut to CUT_CHARS for people. */
const SHOWN_CHARS = 100;
const CUT_CHARS = 60;

/** A found or expected value for people: TXT joined with the p= shortened (a long one cut) and the number of strings; CNAME as is. */
function showValue(type: "TXT" | "CNAME", strings: readonly string[]): string {
  if (type === "CNAME") return strings[0] ?? "";
  const chars = Array.from(abbreviate(strings.join("")));
  if (chars.length > SHOWN_CHARS) {
    const bytes = strings.reduce((n, s) => n + Buffer.byteLength(s, "utf8"), 0);
    return `${JSON.stringify(chars.slice(0, CUT_CHARS).join("") + "...")} (${count(strings.length, "string")}, ${count(bytes, "byte")})`;
  }
  const v = JSON.stringify(chars.join(""));
  return strings.length > 1 ? `${v} (${strings.length} strings)` : v;
}

/** The lines under a failed check: expected and found, and each server when they disagree. */
function explain(c: Check): string[] {
  if (c.status === "ok" || c.status === "error") return [];
  const r = c.record;
  const lines = [`expected: ${showValue(r.type, r.type === "TXT" ? r.strings : [r.value])}`];
  const found = (f: Finding) => {
    if (f.found.length === 0) return ["found:    nothing"];
    const lines = f.found.slice(0, SHOWN_RECORDS).map((v) => `found:    ${showValue(r.type, v)}`);
    if (f.found.length > SHOWN_RECORDS) lines.push(`found:    and ${count(f.found.length - SHOWN_RECORDS, "more record")}`);
    return lines;
  };
  const disagree = c.servers && c.servers.some((s) => JSON.stringify([s.status, s.found]) !== JSON.stringify([c.servers![0].status, c.servers![0].found]));
  if (!disagree) return [...lines, ...found(c)];
  for (const s of c.servers!) {
    lines.push(`${s.server}: ${s.status}${s.detail ? `: ${s.detail}` : ""}`);
    if (s.status !== "ok" && s.status !== "error") lines.push(...found(s).map((l) => `  ${l}`));
  }
  return lines;
}

function textReport(checks: readonly Check[], via: string): string {
  const rows = [["STATUS", "TYPE", "NAME", "DETAIL"], ...checks.map((c) => [c.status, c.record.type, c.record.name, c.detail])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const out: string[] = [];
  rows.forEach((row, i) => {
    out.push(row.map((cell, j) => (j < 3 ? cell.padEnd(widths[j]) : cell)).join("  ").trimEnd());
    if (i > 0) for (const line of explain(checks[i - 1])) out.push(`    ${line}`);
  });
  out.push("", `${summary(checks)} (asked ${via})`);
  return out.join("\n") + "\n";
}

const ICONS: Record<Status, string> = { ok: "✅", missing: "❌", different: "❌", duplicate: "❌", error: "⚠️" };

function markdownReport(checks: readonly Check[], via: string): string {
  const out = [`**dkimctl verify**: ${summary(checks)} (asked ${mdCell(via)})`, "", mdRow(["Status", "Name", "Type", "Detail"]), mdRow(["---", "---", "---", "---"])];
  for (const c of checks) {
    const detail = [c.detail ? mdCell(c.detail) : "", ...explain(c).map((l) => mdCode(l.trim()))].filter(Boolean).join("<br>");
    out.push(mdRow([`${ICONS[c.status]} ${c.status}`, mdCode(c.record.name), c.record.type, detail]));
  }
  return out.join("\n") + "\n";
}
