/**
 * Terraform resource names derived from what a record is (its kind, domain
 * and selector), so that reordering domains.yaml never moves a resource, and
 * a plan names the record it touches: the key of `s1` of `example.com` ->
 * `dkim_s1__domainkey_example_com`, its DMARC record -> `dmarc_example_com`,
 * a parked domain's null record -> `dkim__wildcard__domainkey_example_com`,
 * and a customer slot's key at its target -> `dkim_esp1_shop_example_keys_esp_example`
 * (each its name with dots as underscores, `*` as `_wildcard`). Selectors
 * and domains hold no underscores, so the mapping is one-to-one.
 */
import { DOMAINKEY, type RecordMeaning } from "./dns/names";

export function logicalId(record: RecordMeaning): string {
  const underscored = (name: string) => name.replace(/\./g, "_");
  if (record.kind === "dmarc") return `dmarc_${underscored(record.domain)}`;
  // A target holds no `_domainkey` label, so no selector's record shares its id.
  if (record.kind === "dkim-slot-key") return `dkim_${underscored(record.target)}`;
  const selector = record.kind === "dkim-null" ? "_wildcard" : record.selector;
  return `dkim_${underscored(`${selector}.${DOMAINKEY}.${record.domain}`)}`;
}

/** Logical id of the listing of a zone's existing `_domainkey` records (a provider's `existingRecords`), read by check-plan. */
export const EXISTING_RECORDS_ID = "dkimctl_existing";
