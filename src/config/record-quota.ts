/**
 * Each provider's quota of records per zone, and the check that a zone stays
 * within it: a zone over its quota is refused before any plan, since the
 * provider would refuse the records past it in the middle of an apply.
 */
import type { Zone } from "./model";
import type { Problem } from "./problems";
import type { ProviderName } from "./schema";

/** Records every zone holds besides dkimctl's, counted by the quota: the SOA and NS record sets at the apex. */
export const APEX_RECORDS = 2;

export const DEFAULT_RECORD_QUOTAS: Readonly<Record<ProviderName, { readonly quota: number; readonly raise: string }>> = {
  // "Records (resource record sets) per hosted zone: 10,000", SOA and NS included; raised on request:
  // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html
  route53: { quota: 10_000, raise: "have AWS raise it ('Records per hosted zone' in Service Quotas, us-east-1)" },
  // The Free plan's quota (Pro and above: 3,500; Free zones created from September 2024: 200):
  // https://developers.cloudflare.com/dns/troubleshooting/faq/#does-cloudflare-limit-the-number-of-dns-records-a-domain-can-have
  cloudflare: { quota: 1_000, raise: "find your plan's quota (Pro and above: 3,500) or have Cloudflare raise it" },
};

/**
 * One problem for each zone whose records (`counts`, by zone name) and apex
 * records would exceed its quota, at the zone in domains.yaml, saying what
 * to do.
 */
export function quotaProblems(zones: readonly Zone[], counts: ReadonlyMap<string, number>): Problem[] {
  const problems: Problem[] = [];
  for (const zone of zones) {
    const ours = counts.get(zone.name) ?? 0;
    const total = ours + APEX_RECORDS;
    if (total <= zone.recordQuota) continue;
    const { raise } = DEFAULT_RECORD_QUOTAS[zone.provider];
    const n = (x: number) => x.toLocaleString("en-US");
    problems.push({
      ...zone.position,
      path: `zones/${zone.name}`,
      message:
        `would hold ${n(total)} records (${n(ours)} of dkimctl's, and its SOA and NS), ` +
        `${n(total - zone.recordQuota)} over its quota of ${n(zone.recordQuota)}: ` +
        `put some of its customers (or domains) in a second zone, or ${raise} and set 'recordQuota' on the zone to the new quota`,
    });
  }
  return problems;
}
