/**
 * The whole DMARC check of one sender domain, as `verify` reports it: which
 * record governs (./discover.ts), whether its external report destinations
 * have authorised it (./report-auth.ts), and, when domains.yaml asks for a
 * policy, how the published one compares (./compare.ts).
 */
import { type DmarcFinding, compareDmarc } from "./compare";
import { type DiscoveryMethod, type DmarcDiscovery, type DmarcLookup, discoverDmarc } from "./discover";
import type { DmarcPolicy } from "./policy";
import { checkReportAuthorization, type ReportDestination } from "./report-auth";

export interface DmarcCheckOptions {
  /** The policy domains.yaml asks for at `_dmarc.<domain>`; absent: only discovery and report authorization. */
  readonly desired?: DmarcPolicy;
  /** @default "rfc7489" */
  readonly method?: DiscoveryMethod;
}

export interface DmarcCheck {
  readonly discovery: DmarcDiscovery;
  /** Only with `desired`. */
  readonly finding?: DmarcFinding;
  /** The governing record's rua/ruf destinations (none when no record governs). */
  readonly reports: readonly ReportDestination[];
  /** Nothing asked for is wrong: a policy governs, the finding (if any) is ok, and no report destination is missing or in error. */
  readonly ok: boolean;
}

export async function checkDmarc(domain: string, lookup: DmarcLookup, opts: DmarcCheckOptions = {}): Promise<DmarcCheck> {
  const discovery = await discoverDmarc(domain, lookup, { method: opts.method });
  const policy = discovery.status === "found" ? discovery.parsed?.policy : undefined;
  const reports = policy && discovery.governingDomain ? await checkReportAuthorization(discovery.governingDomain, policy, lookup) : [];
  const finding = opts.desired ? compareDmarc(opts.desired, discovery) : undefined;
  const ok =
    discovery.status === "found" &&
    (finding === undefined || finding.status === "ok") &&
    reports.every((r) => r.status === "same-organization" || r.status === "authorized");
  return { discovery, ...(finding ? { finding } : {}), reports, ok };
}
