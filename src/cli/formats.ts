/** The output formats of `dkimctl records`. */
import type { DesiredRecord } from "../records";
import { dmarcName, familyOf } from "../dns/names";
import { quoteTxt } from "../dkim/txt";
import { abbreviate } from "../dkim/record";
import type { Governing } from "../dmarc/governs";
import { mdCell, mdCode, mdRow } from "./markdown";

export const RECORD_FORMATS = ["table", "zone", "json", "markdown"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/** A sender domain and the DMARC record among those published here that governs it (none: DNS decides). */
export interface Governance {
  readonly domain: string;
  readonly governing?: Governing;
}

/** `governance`: shown under the table and markdown formats, which people read; json and zone stay the records alone. */
export function formatRecords(records: readonly DesiredRecord[], format: RecordFormat, governance: readonly Governance[] = []): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(
        records.map(({ zone, provider, name, type, ttl, value, strings, kind }) => ({ zone, provider, name, type, ttl, value, strings, kind: familyOf(kind) })),
        null,
        2,
      )}\n`;
    case "zone":
      return zoneFormat(records);
    case "markdown":
      return markdownFormat(records) + governanceLines(governance, (domain, text) => `- ${mdCode(domain)}: ${mdCell(text)}`);
    case "table":
      return tableFormat(records) + governanceLines(governance, (domain, text) => `  ${domain}: ${text}`);
  }
}

function zoneFormat(records: readonly DesiredRecord[]): string {
  const out: string[] = [];
  for (const zone of unique(records.map((r) => r.zone))) {
    out.push(`; zone ${zone} (${records.find((r) => r.zone === zone)!.provider}), written by dkimctl`, `$ORIGIN ${zone}.`);
    for (const r of records.filter((x) => x.zone === zone)) {
      const rdata = r.type === "TXT" ? quoteTxt(r.strings) : `${r.value}.`;
      out.push(`${r.name}. ${r.ttl} IN ${r.type} ${rdata}`);
    }
    out.push("");
  }
  return out.join("\n");
}

function markdownFormat(records: readonly DesiredRecord[]): string {
  const out = [mdRow(["Zone", "Name", "Type", "TTL", "Value"]), mdRow(["---", "---", "---", "---", "---"])];
  for (const r of records) out.push(mdRow([mdCell(`${r.zone} (${r.provider})`), mdCode(r.name), r.type, String(r.ttl), mdCode(abbreviate(r.value))]));
  return `${out.join("\n")}\n`;
}

function tableFormat(records: readonly DesiredRecord[]): string {
  const rows = [["ZONE", "NAME", "TYPE", "TTL", "VALUE"], ...records.map((r) => [r.zone, r.name, r.type, String(r.ttl), abbreviate(r.value)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return `${rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n")}\n`;
}

/** `example.com: p=reject, its own _dmarc.example.com` / `news.example.com: sp=quarantine of _dmarc.example.com, its organizational domain` */
function governanceLines(governance: readonly Governance[], line: (domain: string, text: string) => string): string {
  if (governance.length === 0) return "";
  const text = ({ domain, governing: g }: Governance) =>
    !g
      ? "no record here governs it (neither its own nor its organizational domain's): 'dkimctl verify' says what DNS has"
      : g.domain === domain
        ? `p=${g.disposition}, its own ${dmarcName(domain)}`
        : `sp=${g.disposition} of ${dmarcName(g.domain)}, its organizational domain`;
  return `\nDMARC policy of each sender domain (RFC 7489 6.6.3):\n${governance.map((g) => line(g.domain, text(g))).join("\n")}\n`;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
