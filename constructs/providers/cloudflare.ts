/**
 * Cloudflare's resources: the Cloudflare provider v5
 * (@cdktf/provider-cloudflare), the zone looked up by name, and one
 * `cloudflare_dns_record` per record. What they are made of is
 * src/providers/cloudflare.ts.
 */
import { Construct } from "constructs";
import type { TerraformProvider, TerraformStack } from "cdktf";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { DataCloudflareZone } from "@cdktf/provider-cloudflare/lib/data-cloudflare-zone";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import type { DesiredRecord } from "../../src/records";
import { logicalId } from "../../src/logical-id";
import { cloudflare } from "../../src/providers/cloudflare";
import type { ProviderConstructs, RecordsProps } from "./provider";

export interface CloudflareDkimRecordsProps {
  /** Zone id (a literal or a token from a data source). */
  readonly zoneId: string;
  /** The zone's records, all with provider 'cloudflare'. */
  readonly records: readonly DesiredRecord[];
  /** The Cloudflare provider the records use. @default the stack's Cloudflare provider without an alias */
  readonly provider?: TerraformProvider;
}

/**
 * One `cloudflare_dns_record` (provider v5) per DKIM record. TXT content is
 * given already split and quoted (src/providers/cloudflare.ts `txt`). CNAMEs
 * are never proxied: a proxied CNAME answers with Cloudflare's own addresses
 * (https://developers.cloudflare.com/dns/proxy-status/), and a DKIM verifier
 * must reach the signing provider's record.
 */
export class CloudflareDkimRecords extends Construct {
  constructor(scope: Construct, id: string, props: CloudflareDkimRecordsProps) {
    super(scope, id);
    for (const r of props.records) {
      const record = new DnsRecord(this, r.name, {
        zoneId: props.zoneId,
        name: r.name,
        type: r.type,
        ttl: r.ttl,
        content: r.type === "TXT" ? cloudflare.txt.write(r.strings) : r.value,
        ...(r.type === "CNAME" ? { proxied: false } : {}),
        comment: comment(r),
        ...(props.provider ? { provider: props.provider } : {}),
      });
      record.overrideLogicalId(logicalId(r));
    }
  }
}

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
  addRecords: (scope, id, { zoneId, records, provider }: RecordsProps) =>
    void new CloudflareDkimRecords(scope, id, { zoneId, records, ...(provider ? { provider } : {}) }),
};
