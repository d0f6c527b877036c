/** The per-domain verdict that ends every `dkimctl verify` report: text, json and markdown. */
import { PARTS, type Part, type Readiness } from "../verify/readiness";
import { mdCell, mdRow } from "./markdown";

/** `ready`, `not ready`; a parked domain is `parked: receivers reject all mail from it` or `parked, not locked down`. */
export function verdict(r: Readiness): string {
  if (r.parked) {
    if (r.ready) return "parked: receivers reject all mail from it";
    return r.lockedDown ? "parked: receivers reject all mail from it, but not all that domains.yaml asks for is in place" : "parked, not locked down";
  }
  return r.ready ? "ready: meets the bulk-sender requirements" : "not ready";
}

/** Each domain, its verdict, then one line per part with what to fix under it. */
export function readinessText(report: readonly Readiness[]): string[] {
  const out: string[] = [];
  for (const r of report) {
    out.push(`${r.domain}: ${verdict(r)}`);
    for (const [label, key] of PARTS) {
      const p: Part = r[key];
      out.push(`  ${label.padEnd(5)}  ${p.status.padEnd(7)}  ${p.summary}${p.asked ? "" : " (not in domains.yaml)"}`);
      for (const d of p.details) out.push(`           ${d}`);
    }
    for (const u of r.ready ? [] : r.unmet) out.push(`  needs: ${u}`);
  }
  return out;
}

export interface ReadinessJson {
  domain: string;
  parked: boolean;
  ready: boolean;
  /** Every part domains.yaml asks for is ok. */
  askedOk: boolean;
  unmet: string[];
  dkim: Part;
  dmarc: Part;
  spf: Part;
}

export function readinessJson(r: Readiness): ReadinessJson {
  return { domain: r.domain, parked: r.parked, ready: r.ready, askedOk: r.askedOk, unmet: [...r.unmet], dkim: r.dkim, dmarc: r.dmarc, spf: r.spf };
}

const ICONS: Record<Part["status"], string> = { ok: "✅", missing: "❌", problem: "❌", error: "⚠️" };

/** A table with a row per domain and a cell per part, the fixes under each. */
export function readinessMarkdown(report: readonly Readiness[]): string[] {
  const cell = (p: Part) => [`${ICONS[p.status]} ${mdCell(p.summary)}`, ...p.details.map(mdCell)].join("<br>");
  return [
    mdRow(["Domain", "Verdict", "DKIM", "DMARC", "SPF"]),
    mdRow(["---", "---", "---", "---", "---"]),
    ...report.map((r) => mdRow([mdCell(r.domain), `${r.ready ? "✅" : "❌"} ${mdCell(verdict(r))}`, cell(r.dkim), cell(r.dmarc), cell(r.spf)])),
  ];
}

/** `2 of 3 domains ready` */
export function readinessSummary(report: readonly Readiness[]): string {
  const ready = report.filter((r) => r.ready).length;
  return `${ready} of ${report.length} domain${report.length === 1 ? "" : "s"} ready`;
}
