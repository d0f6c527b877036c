/**
 * One verdict per sender domain from what verify found: DKIM published and
 * matching, which DMARC record governs and with what policy, SPF present and
 * within its limits, and whether the domain meets the bulk-sender rules of
 * the large mailbox providers (SPF and DKIM, a DMARC record with at least
 * p=none, and a From domain aligned with one of them; dkimctl's DKIM records
 * sign as d=<the sender domain> itself, so DKIM passing is DKIM aligned).
 * Pure: the DNS work is done by src/dmarc, src/spf and ./gather.ts.
 */
import type { Domain } from "../config/model";
import type { DmarcCheck } from "../dmarc/check";
import { LOOKUP_LIMIT, MX_NAME_LIMIT, type SpfCheck, type SpfProblemCode, VOID_LIMIT } from "../spf/check";
import { familyOf } from "../dns/names";
import { type Check, count } from "./compare";

/** `ok`; `missing`: nothing published; `problem`: published but wrong; `error`: DNS did not answer, nothing concluded. */
export type PartStatus = "ok" | "missing" | "problem" | "error";

export interface Part {
  readonly status: PartStatus;
  /** One line, e.g. `p=reject at _dmarc.example.com` or `4 of 10 DNS lookups`. */
  readonly summary: string;
  /** What to fix, one item each (a record to publish, a problem found). */
  readonly details: readonly string[];
  /** domains.yaml asks for this part (a selector, `dmarc`, `spf` or `parked`): only then does it decide the exit status. */
  readonly asked: boolean;
}

export interface Readiness {
  readonly domain: string;
  readonly parked: boolean;
  readonly dkim: Part;
  readonly dmarc: Part;
  readonly spf: Part;
  /**
   * A sender domain: meets the bulk-sender requirements (DKIM, SPF, a DMARC policy, alignment through DKIM).
   * A parked domain: receivers reject all mail claiming to be from it (DMARC p=reject, DKIM null record, SPF -all).
   */
  readonly ready: boolean;
  /** The requirements not met, for people, each naming its cause (`DMARC: the consent of reports.example.net ...`). */
  readonly unmet: readonly string[];
  /** A parked domain: receivers reject all mail claiming to be from it, whatever else `unmet` lists (report consent). */
  readonly lockedDown?: boolean;
  /** Every part domains.yaml asks for is ok (verify's exit status). */
  readonly askedOk: boolean;
}

/** The parts of a verdict, in the order reports show them, with their names for people. */
export const PARTS = [
  ["DKIM", "dkim"],
  ["DMARC", "dmarc"],
  ["SPF", "spf"],
] as const;

export interface ReadinessInput {
  readonly domain: Domain;
  /** verify's record checks of this domain (its DKIM records, its DMARC record when dkimctl publishes one). */
  readonly checks: readonly Check[];
  readonly dmarc: DmarcCheck;
  /** checkSpf, or checkParkedSpf for a parked domain. */
  readonly spf: SpfCheck;
}

export function readiness({ domain, checks, dmarc, spf }: ReadinessInput): Readiness {
  const parts = { dkim: dkimPart(domain, checks), dmarc: dmarcPart(domain, dmarc), spf: spfPart(domain, spf) };
  const unmet = domain.parked ? parkedUnmet(parts, dmarc) : senderUnmet(parts, dmarc, spf);
  return {
    domain: domain.name,
    parked: domain.parked,
    ...parts,
    ready: unmet.length === 0,
    unmet,
    ...(domain.parked ? { lockedDown: parts.dkim.status === "ok" && parts.spf.status === "ok" && dmarc.discovery.disposition === "reject" } : {}),
    askedOk: Object.values(parts).every((p) => !p.asked || p.status === "ok"),
  };
}

function dkimPart(domain: Domain, checks: readonly Check[]): Part {
  const keys = checks.filter((c) => familyOf(c.record.kind) === "dkim");
  const bad = keys.filter((c) => c.status !== "ok");
  const what = domain.parked ? "the DKIM null record" : count(keys.length, "DKIM record");
  // Each failed record is explained in the report's records part; here only which.
  const details = bad.map((c) => `${c.record.name}: ${c.status}`);
  const asked = keys.length > 0;
  if (!asked) return { status: "missing", summary: "no DKIM record in domains.yaml or the lock", details, asked };
  if (bad.length === 0) return { status: "ok", summary: `${what} published and matching`, details, asked };
  const status: PartStatus = bad.every((c) => c.status === "error") ? "error" : bad.every((c) => c.status === "missing") ? "missing" : "problem";
  return { status, summary: domain.parked ? `${what} is not ok` : `${bad.length} of ${what} not ok`, details, asked };
}

function dmarcPart(domain: Domain, check: DmarcCheck): Part {
  const d = check.discovery;
  const asked = domain.dmarc !== undefined || domain.parked;
  const details: string[] = [...d.problems];
  const finding = check.finding;
  if (finding && (finding.status === "different" || finding.status === "weaker"))
    for (const t of finding.differences) details.push(`${t.tag}=${t.found || "(none)"} where domains.yaml asks for ${t.tag}=${t.desired || "(none)"}`);
  for (const r of check.reports) {
    if (r.status === "missing" && r.publish)
      details.push(`${r.destination} has not agreed to receive ${r.tag} reports for ${d.governingDomain}: publish ${r.publish.name} TXT "${r.publish.value}"`);
    if (r.status === "error") details.push(`report authorization of ${r.destination}: ${r.detail ?? "lookup failed"}`);
  }
  if (d.status === "error") return { status: "error", summary: "DNS did not answer", details, asked };
  if (d.status === "none") return { status: "missing", summary: `no DMARC record governs ${d.domain}`, details, asked };
  const from = d.inherited ? `inherited from ${d.governingName}` : `at ${d.governingName}`;
  const summary = `${d.dispositionTag}=${d.disposition} ${from}`;
  return { status: check.ok ? "ok" : "problem", summary, details, asked };
}

function spfPart(domain: Domain, check: SpfCheck): Part {
  const asked = domain.spf !== undefined || domain.parked;
  // A missing record's one problem says what the summary says.
  const shown = check.status === "missing" ? [] : check.problems.filter((p) => p.severity !== "note");
  const details = shown.map((p) => `${p.severity}: ${p.message}${p.path.includes("->") ? ` (${p.path})` : ""}`);
  for (const u of check.unauthorised) details.push(`${u.kind}:${u.value} is not authorised: ${u.reason}`);
  if (check.suggestion) details.push(`publish at ${domain.name}: TXT "${check.suggestion}"`);
  const summary =
    check.status === "missing"
      ? `no SPF record at ${domain.name}`
      : check.status === "error"
        ? "DNS did not answer"
        : `${count(check.lookupCount, "DNS lookup")} of ${LOOKUP_LIMIT}, ${count(check.voidCount, "void lookup")} of ${VOID_LIMIT}`;
  return { status: check.status, summary, details, asked };
}

type Parts = Pick<Readiness, "dkim" | "dmarc" | "spf">;

/** Each part's needs, `DKIM: ...` in the parts' order. */
function named(needs: Record<keyof Parts, readonly string[]>): string[] {
  return PARTS.flatMap(([name, key]) => needs[key].map((n) => `${name}: ${n}`));
}

function senderUnmet(parts: Parts, dmarc: DmarcCheck, spf: SpfCheck): string[] {
  return named({
    dkim: parts.dkim.status !== "ok" ? ["a published, matching key (and so DKIM alignment)"] : [],
    dmarc: dmarcNeeds(parts.dmarc, dmarc, "at least p=none"),
    spf: spfNeeds(parts.spf, spf),
  });
}

function parkedUnmet(parts: Parts, dmarc: DmarcCheck): string[] {
  return named({
    dkim: parts.dkim.status !== "ok" ? ["the null record *._domainkey (empty p=)"] : [],
    dmarc: dmarcNeeds(parts.dmarc, dmarc, "p=reject"),
    spf: parts.spf.status !== "ok" ? ['exactly "v=spf1 -all"'] : [],
  });
}

/**
 * What DMARC lacks, each need naming its cause: no record (or no answer), a policy below `least`, and,
 * where domains.yaml asks for the record, the tags that differ and each report destination's consent.
 */
function dmarcNeeds(part: Part, check: DmarcCheck, least: "at least p=none" | "p=reject"): string[] {
  const d = check.discovery;
  if (d.status === "error") return [`a record with ${least}; DNS did not answer, so none could be seen`];
  if (d.status === "none") return [`a record with ${least}`];
  const needs: string[] = [];
  const tag = d.dispositionTag ?? "p";
  if (least === "p=reject" && d.disposition !== "reject") needs.push(`${tag}=reject where ${tag}=${d.disposition} is published`);
  if (!part.asked || part.status === "ok") return needs;
  const finding = check.finding;
  if (finding && (finding.status === "different" || finding.status === "weaker")) {
    // The policy need above already names the disposition.
    const tags = finding.differences.filter((t) => !(needs.length && t.tag === tag));
    if (tags.length)
      needs.push(
        `${tags.map((t) => `${t.tag}=${t.desired || "(none)"}`).join(", ")} as domains.yaml gives ` +
          `(published: ${tags.map((t) => `${t.tag}=${t.found || "(none)"}`).join(", ")})`,
      );
  }
  for (const r of check.reports) {
    if (r.status === "missing")
      needs.push(`the consent of ${r.destination} to receive ${r.tag} reports for ${d.governingDomain}${r.publish ? ` (${r.publish.name} TXT)` : ""}`);
    if (r.status === "error") needs.push(`an answer on whether ${r.destination} agreed to receive ${r.tag} reports (the lookup failed)`);
  }
  return needs.length ? needs : ["what domains.yaml asks for (see above)"];
}

/** Short names of the SPF errors that make receivers fail or ignore a record, as needs. */
const SPF_ERROR_NEEDS: Partial<Record<SpfProblemCode, string>> = {
  "multiple-records": "exactly one v=spf1 record",
  syntax: "valid syntax",
  "lookup-limit": `at most ${LOOKUP_LIMIT} DNS lookups`,
  "void-limit": `at most ${VOID_LIMIT} void lookups`,
  "mx-limit": `at most ${MX_NAME_LIMIT} names per mx`,
  loop: "no include or redirect loop",
  "target-missing": "an SPF record at every include and redirect target",
  "dns-error": "an answer to every lookup",
  "plus-all": "no '+all'",
  ptr: "no 'ptr'",
};

/** What SPF lacks: a record receivers can use (the bulk-sender requirement), then what domains.yaml asks it to authorise. */
function spfNeeds(part: Part, check: SpfCheck): string[] {
  if (check.status === "missing") return [check.suggestion ? "a record (the one above to publish)" : "a record"];
  const errors = [...new Set(check.problems.filter((p) => p.severity === "error").map((p) => SPF_ERROR_NEEDS[p.code] ?? p.code))];
  const needs = errors.length ? [`a record receivers can use: ${errors.join(", ")}`] : [];
  if (part.asked && part.status !== "ok") {
    const wanted = check.unauthorised.map((u) => `${u.kind}:${u.value}`);
    if (wanted.length) needs.push(`a record that authorises ${wanted.join(", ")}${check.suggestion ? " (the one above to publish)" : ""}`);
    if (!needs.length) needs.push("what domains.yaml asks for (see above)");
  }
  return needs;
}
