/**
 * Which DMARC record governs a sender domain, from the records one publishes
 * rather than from DNS (`dkimctl records`; verify asks DNS, ./discover.ts):
 * the domain's own `_dmarc` record, else its organizational domain's, whose
 * sp= then applies (RFC 7489 6.6.3).
 */
import { organizationalDomain } from "./org-domain";
import type { DmarcDisposition, DmarcPolicy } from "./policy";

export interface Governing {
  /** The domain whose `_dmarc` record governs. */
  readonly domain: string;
  readonly tag: "p" | "sp";
  readonly disposition: DmarcDisposition;
}

/** `published`: DMARC policies by domain (lower case). Undefined: none of them governs `domain`. */
export function governingPolicy(domain: string, published: ReadonlyMap<string, DmarcPolicy>): Governing | undefined {
  const own = published.get(domain);
  if (own) return { domain, tag: "p", disposition: own.policy };
  const org = organizationalDomain(domain);
  const parent = org === domain ? undefined : published.get(org);
  if (parent) return { domain: org, tag: "sp", disposition: parent.subdomainPolicy ?? parent.policy };
  return undefined;
}
