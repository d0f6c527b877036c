/**
 * Does DNS serve a desired record? Pure: one record and what DNS returned
 * give a status, and the findings of several servers combine into one.
 */
import type { LookupResult } from "../dns/lookup";
import { canonicalName, familyOf, type RecordFamily } from "../dns/names";
import type { DesiredRecord } from "../records";
import { dispositionsOf } from "../dmarc/record";
import { publicKeyOf } from "../dkim/record";

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
export const count = (n: number, what: string) => `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;

const byteLengths = (strings: readonly string[]) => strings.map((s) => Buffer.byteLength(s, "utf8"));

/** Compares what DNS returned for the record's name with the desired record. */
export function compare(record: DesiredRecord, result: LookupResult): Finding {
  switch (result.kind) {
    case "error":
      return { status: "error", found: [], detail: result.reason };
    case "nxdomain":
      return { status: "missing", found: [], detail: "no such name (NXDOMAIN)" };
    case "nodata":
      if (result.cname && record.type === "TXT") return { status: "different", found: [], detail: `the name is a CNAME to ${result.cname}, not a TXT record` };
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
      detail:
        `${count(values.length, "TXT record")} at the name; ${ONE_RECORD[familyOf(record.kind)]}; ` +
        (matching ? "one of them is the expected record" : "none of them is the expected record"),
    };
  }
  const strings = values[0];
  const joined = strings.join("");
  if (joined === record.value) {
    const same = strings.length === record.strings.length && strings.every((s, i) => s === record.strings[i]);
    const detail = same
      ? ""
      : "info: same value, split differently: " +
        `published as ${strings.length} string${strings.length === 1 ? "" : "s"} of ${byteLengths(strings).join(", ")} bytes; ` +
        `dkimctl writes ${record.strings.length} of ${byteLengths(record.strings).join(", ")}`;
    return { status: "ok", found, detail };
  }
  const detail = record.kind === "dmarc" ? describeDmarcDifference(record.value, joined) : describeTxtDifference(record.value, joined);
  return { status: "different", found, detail };
}

const ONE_RECORD: Record<RecordFamily, string> = {
  dkim: "a DKIM verifier needs exactly one (RFC 6376 3.6.2.2)",
  dmarc: "a DMARC receiver needs exactly one and ignores them all otherwise (RFC 7489 6.6.3)",
};

/** A short reason why a published DMARC record is not the expected one (the deeper DMARC checks are verify's own). */
function describeDmarcDifference(expected: string, found: string): string {
  const [e, f] = [dispositionsOf(expected), dispositionsOf(found)];
  if (!f) return "the published value is not a DMARC record (v=DMARC1 first, then p=)";
  const policies = e && (e.p !== f.p || e.sp !== f.sp) ? `: published p=${f.p}, sp=${f.sp}; domains.yaml gives p=${e.p}, sp=${e.sp}` : " (other tags)";
  return `the published DMARC record differs from the one domains.yaml gives${policies}`;
}

/** A short reason why a published TXT value is not the expected one. */
export function describeTxtDifference(expected: string, found: string): string {
  const [e, f] = [Buffer.byteLength(expected), Buffer.byteLength(found)];
  if (f < e && expected.startsWith(found)) return `truncated: the published value is the first ${f} of ${e} bytes (a string cut short or lost?)`;
  const [pe, pf] = [publicKeyOf(expected), publicKeyOf(found)];
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
export const SEVERITY: readonly Status[] = ["different", "duplicate", "missing", "error"];

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
