/**
 * The organizational domain (RFC 7489 3.2): the public suffix plus one label,
 * from the Public Suffix List as tldts 7.5.4 ships it (a maintained copy,
 * no network).
 *
 * Both sections of the list count, ICANN and private (`github.io`,
 * `herokuapp.com`, ...): RFC 7489 3.2 names the whole list, the receivers
 * dkimctl is checked against do the same (mailauth passes
 * `allowPrivateDomains: true`, OpenDMARC reads the whole file), and under a
 * private suffix each registrant is a different owner: `a.github.io` must not
 * inherit GitHub's own policy nor report to `b.github.io` unauthorised.
 */
import { getDomain } from "tldts";
import { canonicalName } from "../dns/names";

const OPTIONS = { allowPrivateDomains: true } as const;

/**
 * The organizational domain of `domain` (lower case, no trailing dot). A
 * public suffix itself (`co.uk`) has none on the list: it is its own.
 */
export function organizationalDomain(domain: string): string {
  const name = canonicalName(domain);
  return getDomain(name, OPTIONS) ?? name;
}

/** Whether two domains belong to the same organizational domain (the test of relaxed alignment and of RFC 7489 7.1). */
export const sameOrganization = (a: string, b: string): boolean => organizationalDomain(a) === organizationalDomain(b);
