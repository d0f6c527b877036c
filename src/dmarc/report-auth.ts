/**
 * External report destinations (RFC 7489 7.1, DMARCbis): a `mailto:` in rua=
 * or ruf= whose domain is in another organizational domain than the domain
 * that published the policy receives reports only if it says so, with a TXT
 * record `v=DMARC1` at `<policy domain>._report._dmarc.<destination domain>`
 * (or a wildcard `*._report._dmarc.<destination domain>`). Receivers drop the
 * URIs that are not authorised.
 */
import { canonicalName, reportAuthorizationName } from "../dns/names";
import type { DmarcLookup } from "./discover";
import { sameOrganization } from "./org-domain";
import { isDmarcRecord, parseDmarcUri } from "./parse";
import type { DmarcPolicy } from "./policy";

export const AUTHORIZATION_VALUE = "v=DMARC1";

export interface ReportDestination {
  readonly tag: "rua" | "ruf";
  readonly uri: string;
  /** The mailto: address's domain. */
  readonly destination: string;
  /**
   * `same-organization`: nothing to authorise. `authorized`: the record is there. `missing`: receivers will not
   * send these reports; `publish` says what the destination must publish. `error`: the lookup failed.
   */
  readonly status: "same-organization" | "authorized" | "missing" | "error";
  /** The authorization record's name, `<policy domain>._report._dmarc.<destination>` (not for same-organization). */
  readonly name?: string;
  readonly detail?: string;
  /** When missing: the record the destination domain's owner must publish. */
  readonly publish?: { readonly name: string; readonly type: "TXT"; readonly value: string };
}

/** The authorization record's name for reports about `policyDomain` sent to `destination`. */
export const authorizationName = (policyDomain: string, destination: string): string =>
  reportAuthorizationName(canonicalName(policyDomain), canonicalName(destination));

/**
 * Checks each rua/ruf mailto: destination of the policy published at
 * `_dmarc.<policyDomain>` (the governing domain, which RFC 7489 7.1 step 3
 * uses: for an inherited policy, the organizational domain, not the sender).
 * URIs that are invalid or not mailto: are skipped (the parser reports them).
 */
export async function checkReportAuthorization(
  policyDomain: string,
  policy: Pick<DmarcPolicy, "rua" | "ruf">,
  lookup: DmarcLookup,
): Promise<ReportDestination[]> {
  const asked = new Map<string, ReturnType<typeof authorization>>();
  const out: ReportDestination[] = [];
  for (const tag of ["rua", "ruf"] as const) {
    for (const uri of policy[tag] ?? []) {
      const u = parseDmarcUri(uri);
      if (!u.ok || !u.domain) continue;
      const destination = u.domain;
      if (sameOrganization(policyDomain, destination)) {
        out.push({ tag, uri, destination, status: "same-organization" });
        continue;
      }
      const name = authorizationName(policyDomain, destination);
      if (!asked.has(name)) asked.set(name, authorization(name, lookup));
      out.push({ tag, uri, destination, name, ...(await asked.get(name)!) });
    }
  }
  return out;
}

async function authorization(name: string, lookup: DmarcLookup): Promise<Pick<ReportDestination, "status" | "detail" | "publish">> {
  const r = await lookup(name, "TXT");
  if (r.kind === "error") return { status: "error", detail: `${name}: ${r.reason}` };
  const records = r.kind === "answer" ? r.values.map((s) => s.join("")).filter(isDmarcRecord) : [];
  if (records.length) {
    const redirect = records.map((t) => /(?:^|;)\s*(ru[af])\s*=\s*([^;]*)/i.exec(t)).find(Boolean);
    return redirect
      ? { status: "authorized", detail: `${name} authorises the reports and replaces the destination: ${redirect[1].toLowerCase()}=${redirect[2].trim()}` }
      : { status: "authorized" };
  }
  const found = r.kind === "answer" ? "only TXT records that do not start with v=DMARC1" : r.kind === "nxdomain" ? "no such name (NXDOMAIN)" : "no TXT record";
  return {
    status: "missing",
    detail: `${name}: ${found}; receivers will not send these reports. The destination's DNS must publish ${name} TXT "${AUTHORIZATION_VALUE}"`,
    publish: { name, type: "TXT", value: AUTHORIZATION_VALUE },
  };
}
