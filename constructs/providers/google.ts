/**
 * Google Cloud DNS's resources: the Google provider
 * (@cdktf/provider-google), the managed zone read by its name, and one
 * `google_dns_record_set` block per record (as the binding's DnsRecordSet
 * writes it, without building one per record: constructs/record-blocks.ts). What they are made of is
 * src/providers/google.ts.
 */
import type { TerraformStack } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { DataGoogleDnsManagedZone } from "@cdktf/provider-google/lib/data-google-dns-managed-zone";
import { google } from "../../src/providers/google";
import type { ProviderConstructs } from "./provider";

export const googleConstructs: ProviderConstructs = {
  terraformType: "google",
  providerTitle: "Google",
  oneProvider: "a Google provider",
  addHint:
    `new GoogleProvider(stack, "google", {}), ` +
    `with import { GoogleProvider } from "@cdktf/provider-google/lib/provider" (credentials and project come from GOOGLE_CREDENTIALS and GOOGLE_PROJECT)`,

  addProvider: (stack: TerraformStack) => new GoogleProvider(stack, "google", {}),
  // The managed zone of the zone's `managedZone` (https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/data-sources/dns_managed_zone):
  // the plan stops when there is none, and check-plan confirms its `dns_name` is the zone's. The records name it literally, as the import ids do.
  lookUpZone: (scope, id, zone, { provider }) => {
    const { managedZone, project } = zone.options;
    new DataGoogleDnsManagedZone(scope, id, { name: managedZone, ...(project ? { project } : {}), ...(provider ? { provider } : {}) });
    return managedZone;
  },
  // One record set per record: `name` with its trailing dot (the provider refuses one without), TXT `rrdatas` one zone-file text, a CNAME's
  // target with its trailing dot: "the hostnames must end with periods (.) in the rrdatas fields" (https://cloud.google.com/dns/docs/records/json-record).
  recordBlock: (r, { zoneId, zone }) => {
    const project = zone.options.project;
    return {
      type: "google_dns_record_set",
      attributes: {
        managed_zone: zoneId,
        name: `${r.name}.`,
        ...(project ? { project } : {}),
        rrdatas: [r.type === "TXT" ? google.txt.write(r.strings) : `${r.value}.`],
        ttl: r.ttl,
        type: r.type,
      },
      ...(r.adopt && google.adopt.can ? { importId: google.adopt.importId({ id: zoneId, name: zone.name, options: zone.options }, r) } : {}),
    };
  },
};
