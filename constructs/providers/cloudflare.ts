/**
 * Cloudflare's resources: the Cloudflare provider v5
 * (@cdktf/provider-cloudflare), the zone looked up by name, and one
 * `cloudflare_dns_record` block per record (as the binding's DnsRecord
 * writes it, without building one per record: constructs/record-blocks.ts).
 * What they are made of is src/providers/cloudflare.ts.
 */
import type { TerraformStack } from "cdktf";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { DataCloudflareZone } from "@cdktf/provider-cloudflare/lib/data-cloudflare-zone";
import type { DesiredRecord } from "../../src/records";
import { cloudflare } from "../../src/providers/cloudflare";
import type { ProviderConstructs } from "./provider";

/** What the record is, for people looking at the zone in Cloudflare's dashboard (a record's `comment`). */
function comment(r: DesiredRecord): string {
  if (r.kind === "dmarc") return `dkimctl: DMARC record of ${r.domain}`;
  if (r.kind === "dkim-null") return `dkimctl: DKIM null record of ${r.domain} (parked: it sends no mail)`;
  return `dkimctl: DKIM selector ${r.selector} of ${r.domain}`;
}

export const cloudflareConstructs: ProviderConstructs = {
  terraformType: "cloudflare",
  providerTitle: "Cloudflare",
  oneProvider: "a Cloudflare provider",
  addHint:
    `new CloudflareProvider(stack, "cloudflare", {}), ` +
    `with import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider" (the token comes from CLOUDFLARE_API_TOKEN)`,

  addProvider: (stack: TerraformStack) => new CloudflareProvider(stack, "cloudflare", {}),
  // The zone of that name (https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs/data-sources/zone).
  lookUpZone: (scope, id, zone, { provider }) => new DataCloudflareZone(scope, id, { filter: { name: zone.name }, ...(provider ? { provider } : {}) }).zoneId,
  // One `cloudflare_dns_record` per record (https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs/resources/dns_record).
  // TXT content is given already split and quoted (src/providers/cloudflare.ts `txt`). CNAMEs are never proxied: a proxied CNAME answers with
  // Cloudflare's own addresses (https://developers.cloudflare.com/dns/proxy-status/), and a DKIM verifier must reach the signing provider's record.
  recordBlock: (r, { zoneId }) => ({
    type: "cloudflare_dns_record",
    attributes: {
      comment: comment(r),
      content: r.type === "TXT" ? cloudflare.txt.write(r.strings) : r.value,
      name: r.name,
      ...(r.type === "CNAME" ? { proxied: false } : {}),
      ttl: r.ttl,
      type: r.type,
      zone_id: zoneId,
    },
  }),
};
