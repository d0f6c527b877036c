import type { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import type { Zone } from "../src/config/model";
import type { DesiredRecord } from "../src/records";
import { zoneConstructs } from "./providers";
import { logicalId } from "../src/logical-id";
import { RecordBlocks } from "./record-blocks";

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
 * app's DkimZoneStack and DkimRecords in a stack of one's own), through the
 * zone's provider (constructs/providers/<p>.ts): the zone looked up by name
 * when no id is given ('zone'), the zone's existing `_domainkey` listing
 * where the provider has one ('existing'), and one resource per record
 * ('records': the blocks the provider declares, written together by one
 * element, constructs/record-blocks.ts), each under the logical id of its
 * name and the path `<scope>/records/<name>`. Children go directly
 * into `scope`, so the bundled stacks keep their addresses
 * (`data.<type>.zone`).
 */
export function addZoneRecords(scope: Construct, props: ZoneRecordsProps): void {
  const { zone, records, provider } = props;
  if (records.length === 0) return;
  const constructs = zoneConstructs(zone);
  const by = provider ? { provider } : {};
  const zoneId = props.zoneId ?? zone.zoneId ?? constructs.lookUpZone(scope, "zone", zone, by);
  constructs.listExisting?.(scope, "existing", { zoneId, dmarc: records.some((r) => r.kind === "dmarc"), ...by });
  const blockOf = (r: DesiredRecord) => ({ ...constructs.recordBlock(r, { zoneId, zone }), id: r.name, logicalId: logicalId(r) });
  new RecordBlocks(scope, "records", { items: records, blockOf, ...by });
}
