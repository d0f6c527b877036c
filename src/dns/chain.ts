/**
 * The CNAME chain an answer holds for a name (RFC 1034 3.6.2: a resolver
 * gives the chain whole; an authoritative server adds the links in its own
 * zones), followed from the name through the answer section only.
 */
import type { Message } from "./message";
import { canonicalName } from "./names";

export interface Chain {
  /** The CNAME targets in order, starting at the name's own: [] when the name is no alias. */
  readonly targets: readonly string[];
  /** Where the chain ends in this answer: the name itself, or the last target. */
  readonly end: string;
  /** The chain comes back to a name already in it (a CNAME loop). */
  readonly loop: boolean;
}

/** At most this many links (a resolver stops far earlier: unbound after 11, BIND after 16). */
const MAX_LINKS = 32;

/**
 * Follows the CNAME records of `m`'s answer section from `name`. `stop`
 * ends the walk at an owner that already holds what the caller wants.
 */
export function followChain(m: Message, name: string, stop: (owner: string) => boolean = () => false): Chain {
  const targets: string[] = [];
  const seen = new Set<string>();
  let owner = canonicalName(name);
  while (!stop(owner) && targets.length < MAX_LINKS) {
    seen.add(owner);
    const cname = m.answers.find((r) => r.type === "CNAME" && canonicalName(r.name) === owner);
    if (cname?.type !== "CNAME") break;
    owner = canonicalName(cname.data);
    targets.push(owner);
    if (seen.has(owner)) return { targets, end: owner, loop: true };
  }
  return { targets, end: owner, loop: false };
}

/** The zone a negative answer comes from: the owner of the SOA in its authority section (RFC 2308 3), if any. */
export function negativeZone(m: Message): string | undefined {
  const soa = m.authority.find((r) => r.type === "SOA");
  return soa ? canonicalName(soa.name) : undefined;
}
