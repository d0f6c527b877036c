/**
 * A DMARC policy as domains.yaml declares it and as a published record
 * says it (RFC 7489 6.3, DMARCbis RFC 9989 4.7): the one shape that the
 * config, the record writer and the checker share.
 */

export const DMARC_POLICIES = ["none", "quarantine", "reject"] as const;
export type DmarcDisposition = (typeof DMARC_POLICIES)[number];

/** How strict a disposition is (none 0, quarantine 1, reject 2), to tell a weakened policy from a tightened one. */
export const dispositionRank = (d: DmarcDisposition): number => DMARC_POLICIES.indexOf(d);

export const DMARC_ALIGNMENTS = ["relaxed", "strict"] as const;
export type DmarcAlignment = (typeof DMARC_ALIGNMENTS)[number];

export interface DmarcPolicy {
  /** p= */
  readonly policy: DmarcDisposition;
  /** sp=: subdomains without their own record. Absent: as `policy`. */
  readonly subdomainPolicy?: DmarcDisposition;
  /** np=: non-existent subdomains (DMARCbis). Absent: as `subdomainPolicy`. */
  readonly nonexistentPolicy?: DmarcDisposition;
  /** adkim=, absent: relaxed. */
  readonly adkim?: DmarcAlignment;
  /** aspf=, absent: relaxed. */
  readonly aspf?: DmarcAlignment;
  /** rua=: aggregate report URIs (`mailto:addr[!size]`). */
  readonly rua?: readonly string[];
  /** ruf=: failure report URIs. */
  readonly ruf?: readonly string[];
  /** fo=: failure reporting options, colon-separated from 0, 1, d, s. */
  readonly failureOptions?: string;
  /** t=y (DMARCbis): testing mode. */
  readonly testing?: boolean;
  /** pct= (RFC 7489 only; removed by DMARCbis). */
  readonly pct?: number;
}
