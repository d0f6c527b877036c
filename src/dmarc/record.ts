/**
 * The DMARC record dkimctl publishes (RFC 7489 6.3, DMARCbis RFC 9989 4.7):
 * `_dmarc.<domain> TXT "v=DMARC1; p=...; ..."`, written by one function with
 * the tags in one canonical order.
 */
import type { DmarcAlignment, DmarcPolicy } from "./policy";

/** `_dmarc.<domain>` */
export function dmarcRecordName(domain: string): string {
  return `_dmarc.${domain}`;
}

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

/** How strict a disposition is, to tell a weakened policy from a tightened one. */
export const DISPOSITION_RANK = { none: 0, quarantine: 1, reject: 2 } as const;

/** The p= and sp= of a DMARC record value (sp defaults to p); undefined when it is not a DMARC record. */
export function dispositionsOf(value: string): { p: string; sp: string } | undefined {
  const tags = new Map<string, string>();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0)
      tags.set(
        part.slice(0, eq).trim().toLowerCase(),
        part
          .slice(eq + 1)
          .trim()
          .toLowerCase(),
      );
  }
  const p = tags.get("p");
  if (tags.get("v") !== "dmarc1" || p === undefined) return undefined;
  return { p, sp: tags.get("sp") ?? p };
}
