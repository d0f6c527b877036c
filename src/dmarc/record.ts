/**
 * The DMARC record dkimctl publishes (RFC 7489 6.3, DMARCbis RFC 9989 4.7):
 * `_dmarc.<domain> TXT "v=DMARC1; p=...; ..."`, written by one function with
 * the tags in one canonical order.
 */
import { parseDmarc } from "./parse";
import type { DmarcAlignment, DmarcDisposition, DmarcPolicy } from "./policy";

const ALIGNMENT: Record<DmarcAlignment, string> = { relaxed: "r", strict: "s" };

/**
 * `v=DMARC1; p=<policy>[; sp=][; np=][; adkim=][; aspf=][; pct=][; fo=][; rua=][; ruf=][; t=]`.
 * Only the fields the policy holds are written (a field domains.yaml does not
 * give is left to the receiver's default, never spelled out), always in this
 * order, so one policy has one record value.
 */
export function dmarcRecordValue(policy: DmarcPolicy): string {
  const tags: [string, string | undefined][] = [
    ["v", "DMARC1"],
    ["p", policy.policy],
    ["sp", policy.subdomainPolicy],
    ["np", policy.nonexistentPolicy],
    ["adkim", policy.adkim && ALIGNMENT[policy.adkim]],
    ["aspf", policy.aspf && ALIGNMENT[policy.aspf]],
    ["pct", policy.pct === undefined ? undefined : String(policy.pct)],
    ["fo", policy.failureOptions],
    ["rua", policy.rua?.length ? policy.rua.join(",") : undefined],
    ["ruf", policy.ruf?.length ? policy.ruf.join(",") : undefined],
    ["t", policy.testing === undefined ? undefined : policy.testing ? "y" : "n"],
  ];
  return tags
    .filter((t): t is [string, string] => t[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}

/** The DMARC record of a domain that sends no mail (`parked: true`): reject everything, on subdomains too. */
export const PARKED_POLICY: DmarcPolicy = { policy: "reject", subdomainPolicy: "reject" };

/**
 * The p= and sp= (sp defaulting to p) that receivers apply from a DMARC record value, read by the one
 * record reader (./parse.ts); undefined when receivers ignore the value.
 */
export function dispositionsOf(value: string): { p: DmarcDisposition; sp: DmarcDisposition } | undefined {
  const policy = parseDmarc(value).policy;
  return policy && { p: policy.policy, sp: policy.subdomainPolicy ?? policy.policy };
}
