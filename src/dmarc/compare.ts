/**
 * Desired DMARC policy (domains.yaml) against what DNS says: ok, missing,
 * different (which tags) or weaker than desired. Tags compare by meaning,
 * defaults filled in (`sp` absent is `sp` = `p`; `adkim` absent is relaxed),
 * so a record that spells a default out, or leaves it out, still matches.
 */
import { dmarcName } from "../dns/names";
import type { DmarcDiscovery } from "./discover";
import { type DmarcDisposition, type DmarcPolicy, dispositionRank } from "./policy";

export interface TagDifference {
  readonly tag: "p" | "sp" | "np" | "adkim" | "aspf" | "pct" | "t" | "fo" | "rua" | "ruf";
  /** The effective values, defaults filled in; a list tag's URIs comma-joined and sorted ("" for none). */
  readonly desired: string;
  readonly found: string;
  /** The published value protects less than the desired one (a weaker disposition or alignment, t=y, a lower pct). */
  readonly weaker: boolean;
}

export type DmarcFinding =
  | { readonly status: "ok"; readonly governingName: string }
  | { readonly status: "missing"; readonly detail: string }
  | { readonly status: "different" | "weaker"; readonly governingName: string; readonly differences: readonly TagDifference[] }
  | { readonly status: "error"; readonly detail: string };

const rank = (d: string) => dispositionRank(d as DmarcDisposition);
const uriKey = (u: string) => u.replace(/^mailto:/i, "mailto:");

/** The policy's tags with their defaults filled in. */
function effective(p: DmarcPolicy): Record<TagDifference["tag"], string> {
  const sp = p.subdomainPolicy ?? p.policy;
  return {
    p: p.policy,
    sp,
    np: p.nonexistentPolicy ?? sp,
    adkim: p.adkim ?? "relaxed",
    aspf: p.aspf ?? "relaxed",
    pct: String(p.pct ?? 100),
    t: p.testing ? "y" : "n",
    fo: [...new Set((p.failureOptions ?? "0").toLowerCase().split(":"))].sort().join(":"),
    rua: [...new Set((p.rua ?? []).map(uriKey))].sort().join(","),
    ruf: [...new Set((p.ruf ?? []).map(uriKey))].sort().join(","),
  };
}

function isWeaker(tag: TagDifference["tag"], desired: string, found: string): boolean {
  switch (tag) {
    case "p":
    case "sp":
    case "np":
      return rank(found) < rank(desired);
    case "adkim":
    case "aspf":
      return desired === "strict" && found === "relaxed";
    case "pct":
      return Number(found) < Number(desired);
    case "t":
      return found === "y" && desired === "n";
    default:
      return false;
  }
}

/** sp= and np= default to the tag before them: a difference there is the earlier tag's unless one side states them. */
const stated = (p: DmarcPolicy, tag: TagDifference["tag"]) =>
  tag === "sp" ? p.subdomainPolicy !== undefined : tag === "np" ? p.nonexistentPolicy !== undefined : true;

/** Every tag whose meaning differs, in canonical tag order; an sp/np difference only follows from p/sp is left out. */
export function comparePolicies(desired: DmarcPolicy, found: DmarcPolicy): TagDifference[] {
  const want = effective(desired);
  const have = effective(found);
  return (Object.keys(want) as TagDifference["tag"][])
    .filter((tag) => want[tag] !== have[tag] && (stated(desired, tag) || stated(found, tag)))
    .map((tag) => ({ tag, desired: want[tag], found: have[tag], weaker: isWeaker(tag, want[tag], have[tag]) }));
}

/**
 * The finding for a domain whose own record domains.yaml asks for: `missing`
 * when it has none (even if it inherits a parent's policy, which `detail`
 * names) or receivers ignore it; `weaker` when any difference is weaker.
 */
export function compareDmarc(desired: DmarcPolicy, found: DmarcDiscovery): DmarcFinding {
  const own = dmarcName(found.domain);
  if (found.status === "error") return { status: "error", detail: found.problems.join("; ") };
  if (found.inherited || !found.governingName) {
    const inherits =
      found.status === "found" ? `; it inherits ${found.dispositionTag}=${found.disposition} from ${found.governingName}` : "; no DMARC policy applies";
    return { status: "missing", detail: `no DMARC record at ${own}${inherits}` };
  }
  const policy = found.parsed?.policy;
  if (found.status !== "found" || !policy) return { status: "missing", detail: `${own} is there but receivers apply no policy: ${found.problems.join("; ")}` };
  const differences = comparePolicies(desired, policy);
  if (!differences.length) return { status: "ok", governingName: own };
  return { status: differences.some((d) => d.weaker) ? "weaker" : "different", governingName: own, differences };
}
