/** The reports of `dkimctl verify`: text, json and markdown, and the progress line while waiting. */
import { abbreviate } from "../dkim/record";
import { familyOf, type RecordFamily } from "../dns/names";
import { formatDuration } from "../duration";
import { type Check, count, type Finding, SEVERITY, type Status } from "../verify/compare";
import { firstDifference } from "../verify/difference";
import type { Readiness } from "../verify/readiness";
import { mdCell, mdCode, mdRow } from "./markdown";
import { readinessJson, readinessMarkdown, readinessSummary, readinessText } from "./readiness-report";

/** `verify: 4/6 ok, waiting for s1._domainkey.example.com (missing), ... 42s left` */
export function progressLine(checks: readonly Check[], leftMs: number, show = 3): string {
  const ok = checks.filter((c) => c.status === "ok").length;
  const pending = checks.filter((c) => c.status !== "ok");
  const named = pending.slice(0, show).map((c) => `${c.record.name} (${c.status})`);
  if (pending.length > show) named.push(`and ${pending.length - show} more`);
  return `verify: ${ok}/${checks.length} ok, waiting for ${named.join(", ")}; ${formatDuration(leftMs)} left`;
}

export const VERIFY_FORMATS = ["text", "json", "markdown"] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

/** The json report's entries. */
export interface CheckJson {
  name: string;
  type: "TXT" | "CNAME";
  zone: string;
  domain: string;
  /** DKIM records only. */
  selector?: string;
  kind: RecordFamily;
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
    ...(r.selector !== undefined ? { selector: r.selector } : {}),
    kind: familyOf(r.kind),
    status: c.status,
    expected: r.value,
    ...foundJson(r.type, c.found),
    detail: c.detail,
    ...(c.servers ? { servers: c.servers.map((s) => ({ server: s.server, status: s.status, ...foundJson(r.type, s.found), detail: s.detail })) } : {}),
  };
}

/**
 * The records, then each sender domain's readiness. `via`: how DNS was asked, e.g. `resolver 127.0.0.1:53` or
 * `the authoritative servers`. json: `{ ok, records: [...], domains: [...] }`.
 */
export function formatChecks(checks: readonly Check[], report: readonly Readiness[], format: VerifyFormat, via: string): string {
  switch (format) {
    case "json":
      return `${JSON.stringify({ ok: verifyOk(checks, report), records: checks.map(checkJson), domains: report.map(readinessJson) }, null, 2)}\n`;
    case "markdown":
      return markdownReport(checks, report, via);
    case "text":
      return textReport(checks, report, via);
  }
}

/** verify's exit status 0: every record is ok and every part of a domain that domains.yaml asks for (dmarc, spf, parked) is ok. */
export function verifyOk(checks: readonly Check[], report: readonly Readiness[]): boolean {
  return checks.every((c) => c.status === "ok") && report.every((r) => r.askedOk);
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
    return `${JSON.stringify(`${chars.slice(0, CUT_CHARS).join("")}...`)} (${count(strings.length, "string")}, ${count(bytes, "byte")})`;
  }
  const v = JSON.stringify(chars.join(""));
  return strings.length > 1 ? `${v} (${strings.length} strings)` : v;
}

/** ` (2 strings)` after a TXT value of several strings. */
const stringsNote = (strings: readonly string[]) => (strings.length > 1 ? ` (${strings.length} strings)` : "");

/**
 * A TXT value that differs from the expected one: where they first differ, then both cut at the same
 * offsets around it (shortened whole, a key that differs in the middle would look the same twice).
 */
function differenceLines(expected: readonly string[], found: readonly string[]): string[] | undefined {
  const d = firstDifference(expected.join(""), found.join(""));
  if (!d) return undefined;
  const lengths = `expected ${count(d.expectedLength, "character")}, found ${d.foundLength.toLocaleString("en-US")}`;
  return [
    `first difference at character ${d.at + 1}${d.tag ? ` (in ${d.tag}=)` : ""}: ${lengths}`,
    `expected: ${JSON.stringify(d.expected)}${stringsNote(expected)}`,
    `found:    ${JSON.stringify(d.found)}${stringsNote(found)}`,
  ];
}

/** The lines under a failed check: expected and found, and each server when they disagree. */
function explain(c: Check): string[] {
  if (c.status === "ok" || c.status === "error") return [];
  const r = c.record;
  const expected = r.type === "TXT" ? r.strings : [r.value];
  const expectedLine = `expected: ${showValue(r.type, expected)}`;
  /** One TXT record that differs: its difference; else undefined. */
  const differs = (f: Finding) => (f.status === "different" && r.type === "TXT" && f.found.length === 1 ? differenceLines(expected, f.found[0]) : undefined);
  const found = (f: Finding) => {
    if (f.found.length === 0) return ["found:    nothing"];
    const lines = f.found.slice(0, SHOWN_RECORDS).map((v) => `found:    ${showValue(r.type, v)}`);
    if (f.found.length > SHOWN_RECORDS) lines.push(`found:    and ${count(f.found.length - SHOWN_RECORDS, "more record")}`);
    return lines;
  };
  const disagree = c.servers?.some((s) => JSON.stringify([s.status, s.found]) !== JSON.stringify([c.servers![0].status, c.servers![0].found]));
  if (!disagree) return differs(c) ?? [expectedLine, ...found(c)];
  const lines = [expectedLine];
  for (const s of c.servers!) {
    lines.push(`${s.server}: ${s.status}${s.detail ? `: ${s.detail}` : ""}`);
    if (s.status !== "ok" && s.status !== "error") lines.push(...(differs(s) ?? found(s)).map((l) => `  ${l}`));
  }
  return lines;
}

function textReport(checks: readonly Check[], report: readonly Readiness[], via: string): string {
  const rows = [["STATUS", "TYPE", "NAME", "DETAIL"], ...checks.map((c) => [c.status, c.record.type, c.record.name, c.detail])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const out: string[] = [];
  rows.forEach((row, i) => {
    out.push(
      row
        .map((cell, j) => (j < 3 ? cell.padEnd(widths[j]) : cell))
        .join("  ")
        .trimEnd(),
    );
    if (i > 0) for (const line of explain(checks[i - 1])) out.push(`    ${line}`);
  });
  if (report.length) out.push("", ...readinessText(report));
  out.push("", `${summary(checks)}${report.length ? `; ${readinessSummary(report)}` : ""} (asked ${via})`);
  return `${out.join("\n")}\n`;
}

const ICONS: Record<Status, string> = { ok: "✅", missing: "❌", different: "❌", duplicate: "❌", error: "⚠️" };

function markdownReport(checks: readonly Check[], report: readonly Readiness[], via: string): string {
  const out = [
    `**dkimctl verify**: ${summary(checks)}${report.length ? `; ${readinessSummary(report)}` : ""} (asked ${mdCell(via)})`,
    "",
    mdRow(["Status", "Name", "Type", "Detail"]),
    mdRow(["---", "---", "---", "---"]),
  ];
  for (const c of checks) {
    const detail = [c.detail ? mdCell(c.detail) : "", ...explain(c).map((l) => mdCode(l.trim()))].filter(Boolean).join("<br>");
    out.push(mdRow([`${ICONS[c.status]} ${c.status}`, mdCode(c.record.name), c.record.type, detail]));
  }
  if (report.length) out.push("", ...readinessMarkdown(report));
  return `${out.join("\n")}\n`;
}
