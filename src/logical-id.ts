/**
 * Terraform resource names derived from the record name alone, so that
 * reordering domains.yaml never moves a resource, and a plan names the
 * record it touches: `s1._domainkey.example.com` -> `dkim_s1__domainkey_example_com`,
 * `_dmarc.example.com` -> `dmarc_example_com`, and a parked domain's null
 * record `*._domainkey.example.com` -> `dkim__wildcard__domainkey_example_com`.
 * Selectors and domains hold no underscores, so the mapping is one-to-one.
 */
export function logicalId(recordName: string): string {
  const underscored = (name: string) => name.replace(/\./g, "_");
  if (recordName.startsWith(DMARC_PREFIX)) return `dmarc_${underscored(recordName.slice(DMARC_PREFIX.length))}`;
  return `dkim_${underscored(recordName.replace(/^\*\./, "_wildcard."))}`;
}

const DMARC_PREFIX = "_dmarc.";

/** Logical id of the listing of a zone's existing `_domainkey` records (a provider's `existingRecords`), read by check-plan. */
export const EXISTING_RECORDS_ID = "dkimctl_existing";
