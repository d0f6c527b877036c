import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import type { DesiredRecord } from "../src/records";
import { quoteTxt } from "../src/dkim/txt";
import { logicalId } from "../src/logical-id";

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
 * given already split and quoted (`"chunk1" "chunk2"`): Cloudflare stores
 * and returns it that way, so there is no perpetual diff on long records and
 * no warning about unquoted TXT content. CNAMEs are never proxied: a DKIM
 * verifier must reach the signing provider's record.
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
        content: cloudflareContent(r),
        ...(r.type === "CNAME" ? { proxied: false } : {}),
        comment: comment(r),
        ...(props.provider ? { provider: props.provider } : {}),
      });
      record.overrideLogicalId(logicalId(r));
    }
  }
}

/** What the record is, for people looking at the zone in Cloudflare's dashboard. */
function comment(r: DesiredRecord): string {
  if (r.kind === "dmarc") return `dkimctl: DMARC record of ${r.domain}`;
  if (r.kind === "dkim-null") return `dkimctl: DKIM null record of ${r.domain} (parked: it sends no mail)`;
  return `dkimctl: DKIM selector ${r.selector} of ${r.domain}`;
}

/** The `content` attribute for a desired record. */
export function cloudflareContent(r: DesiredRecord): string {
  return r.type === "TXT" ? quoteTxt(r.strings) : r.value;
}
