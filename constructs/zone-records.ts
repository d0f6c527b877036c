import type { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { DataCloudflareZone } from "@cdktf/provider-cloudflare/lib/data-cloudflare-zone";
import type { Zone } from "../src/config/model";
import type { DesiredRecord } from "../src/records";
import { Route53DkimRecords } from "./route53-dkim-records";
import { ExistingDkimRecords } from "./existing-dkim-records";
import { CloudflareDkimRecords } from "./cloudflare-dkim-records";

export interface ZoneRecordsProps {
  /** The zone the records are written into. */
  readonly zone: Zone;
  /** The zone's desired records, all of this zone (may be empty: then nothing is added). */
  readonly records: readonly DesiredRecord[];
  /** The zone's id. @default the zone's zoneId from domains.yaml, else looked up by name */
  readonly zoneId?: string;
  /** The provider every resource uses. @default the scope's stack's provider of the zone's kind without an alias */
  readonly provider?: TerraformProvider;
}

/**
 * The one way desired records become resources, in `scope` (the bundled
 * app's DkimZoneStack and DkimRecords in a stack of one's own): the zone
 * looked up by name when no id is given ('zone'), for Route53 the zone's
 * existing `_domainkey` listing ('existing', see ExistingDkimRecords), and
 * one resource per record ('records'), each under the logical id of its
 * name. Children go directly into `scope`, so the bundled stacks keep their
 * addresses (`data.aws_route53_zone.zone`).
 */
export function addZoneRecords(scope: Construct, props: ZoneRecordsProps): void {
  const { zone, records, provider } = props;
  if (records.length === 0) return;
  const by = provider ? { provider } : {};
  const configured = props.zoneId ?? zone.zoneId;
  if (zone.provider === "route53") {
    const zoneId = configured ?? new DataAwsRoute53Zone(scope, "zone", { name: zone.name, privateZone: false, ...by }).zoneId;
    const dmarc = records.some((r) => r.kind === "dmarc") ? { dmarc: true } : {};
    new ExistingDkimRecords(scope, "existing", { zoneId, ...dmarc, ...by });
    new Route53DkimRecords(scope, "records", { zoneId, records, ...by });
  } else {
    const zoneId = configured ?? new DataCloudflareZone(scope, "zone", { filter: { name: zone.name }, ...by }).zoneId;
    new CloudflareDkimRecords(scope, "records", { zoneId, records, ...by });
  }
}
