/**
 * Terraform resource names derived from the record name alone, so that
 * reordering domains.yaml never moves a resource, and a plan names the
 * record it touches: `s1._domainkey.example.com` -> `dkim_s1__domainkey_example_com`.
 * Selectors and domains hold no underscores, so the mapping is one-to-one.
 */
export function logicalId(recordName: string): string {
  return `dkim_${recordName.replace(/\./g, "_")}`;
}
