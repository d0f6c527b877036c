/**
 * The check that a zone stays within its quota of records (each provider's
 * default is its `recordQuota`, src/providers/): a zone over it is refused
 * before any plan, since the provider would refuse the records past it in the
 * middle of an apply.
 */
import type { Zone } from "./model";
import type { Problem } from "./problems";
import { PROVIDERS } from "../providers";

/** Records every zone holds besides dkimctl's, counted by the quota: the SOA and NS record sets at the apex. */
export const APEX_RECORDS = 2;

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
    const { raise } = PROVIDERS[zone.provider].recordQuota;
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
