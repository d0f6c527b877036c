/**
 * DigitalOcean's resources: the DigitalOcean provider
 * (@cdktf/provider-digitalocean), the listing of the domain's existing DKIM
 * records, and one `digitalocean_record` block per record (as the binding's
 * Record writes it, without building one per record:
 * constructs/record-blocks.ts). What they are made of is
 * src/providers/digitalocean.ts.
 */
import { Construct } from "constructs";
import type { TerraformStack } from "cdktf";
import { DigitaloceanProvider } from "@cdktf/provider-digitalocean/lib/provider";
import { DataDigitaloceanRecords } from "@cdktf/provider-digitalocean/lib/data-digitalocean-records";
import { publishedNamePattern, relativeName } from "../../src/dns/names";
import { EXISTING_RECORDS_ID } from "../../src/logical-id";
import { digitalocean } from "../../src/providers/digitalocean";
import type { ProviderConstructs } from "./provider";

export const digitaloceanConstructs: ProviderConstructs = {
  terraformType: "digitalocean",
  providerTitle: "DigitalOcean",
  oneProvider: "a DigitalOcean provider",
  addHint:
    `new DigitaloceanProvider(stack, "digitalocean", {}), ` +
    `with import { DigitaloceanProvider } from "@cdktf/provider-digitalocean/lib/provider" (the token comes from DIGITALOCEAN_TOKEN)`,

  addProvider: (stack: TerraformStack) => new DigitaloceanProvider(stack, "digitalocean", {}),
  // A domain is named by its name: nothing to look up. The listing of its records (listExisting, in every stack with records) reads it during
  // the plan, which stops when the account has no such domain, and check-plan confirms the zone from it.
  lookUpZone: (_scope, _id, zone) => zone.name,
  // data "digitalocean_records" with a `name` filter matched as regular expressions (Go's RE2), against names relative to the domain
  // (https://registry.terraform.io/providers/digitalocean/digitalocean/2.71.0/docs/data-sources/records).
  listExisting: (scope, id, { zoneId, dmarc, provider }) => {
    const parent = new Construct(scope, id);
    new DataDigitaloceanRecords(parent, "existing", {
      domain: zoneId,
      filter: [{ key: "name", values: [publishedNamePattern({ dmarc, relative: true })], matchBy: "re" }],
      ...(provider ? { provider } : {}),
    }).overrideLogicalId(EXISTING_RECORDS_ID);
  },
  // One record per record: `name` relative to the domain, a TXT value whole, a CNAME's target with its trailing dot ("422 Data needs to end
  // with a dot (.)": https://github.com/digitalocean/terraform-provider-digitalocean/issues/352; Read appends one, resource_record.go).
  recordBlock: (r, { zoneId, zone }) => ({
    type: "digitalocean_record",
    attributes: {
      domain: zoneId,
      name: relativeName(r.name, zone.name),
      ttl: r.ttl,
      type: r.type,
      value: r.type === "TXT" ? digitalocean.txt.write(r.strings) : `${r.value}.`,
    },
    ...(r.adopt && digitalocean.adopt.can ? { importId: digitalocean.adopt.importId({ id: zoneId, name: zone.name, options: zone.options }, r) } : {}),
  }),
};
