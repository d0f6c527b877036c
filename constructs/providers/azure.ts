/**
 * Azure DNS's resources: the AzureRM provider (@cdktf/provider-azurerm), the
 * zone read by its name and resource group, and one `azurerm_dns_txt_record`
 * or `azurerm_dns_cname_record` per record. What they are made of is
 * src/providers/azure.ts.
 */
import { Construct } from "constructs";
import type { TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { DataAzurermDnsZone } from "@cdktf/provider-azurerm/lib/data-azurerm-dns-zone";
import { DnsCnameRecord } from "@cdktf/provider-azurerm/lib/dns-cname-record";
import { DnsTxtRecord } from "@cdktf/provider-azurerm/lib/dns-txt-record";
import { relativeName } from "../../src/dns/names";
import { logicalId } from "../../src/logical-id";
import { azure } from "../../src/providers/azure";
import type { ProviderConstructs, RecordsProps } from "./provider";

export const azureConstructs: ProviderConstructs = {
  terraformType: "azurerm",
  providerTitle: "AzureRM",
  oneProvider: "an AzureRM provider",
  addHint:
    `new AzurermProvider(stack, "azurerm", { features: [{}] }), ` +
    `with import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider" (credentials come from ARM_* or az login)`,

  // "features - (Required)" and, for a principal that may not register resource providers, resource_provider_registrations = "none"
  // (https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs): a DNS zone's Microsoft.Network is registered already.
  addProvider: (stack: TerraformStack) => new AzurermProvider(stack, "azurerm", { features: [{}], resourceProviderRegistrations: "none" }),
  // The zone of that name in the zone's resource group (https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/data-sources/dns_zone):
  // its `id` holds the subscription, which the import ids of `adopt` need and domains.yaml does not say.
  lookUpZone: (scope, id, zone, { provider }) =>
    new DataAzurermDnsZone(scope, id, { name: zone.name, resourceGroupName: zone.options.resourceGroup, ...(provider ? { provider } : {}) }).id,
  // One record set per record: `name` relative to the zone, a TXT value whole in one `record` block, a CNAME's target as is
  // (https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/dns_cname_record: record = "contoso.com").
  addRecords: (scope, id, { zoneId, zone, records, provider }: RecordsProps) => {
    const parent = new Construct(scope, id);
    const common = { zoneName: zone.name, resourceGroupName: zone.options.resourceGroup, ...(provider ? { provider } : {}) };
    for (const r of records) {
      const name = relativeName(r.name, zone.name);
      const set =
        r.type === "TXT"
          ? new DnsTxtRecord(parent, r.name, { ...common, name, ttl: r.ttl, record: [{ value: azure.txt.write(r.strings) }] })
          : new DnsCnameRecord(parent, r.name, { ...common, name, ttl: r.ttl, record: r.value });
      set.overrideLogicalId(logicalId(r));
      if (r.adopt && azure.adopt.can) set.importFrom(azure.adopt.importId({ id: zoneId, name: zone.name, options: zone.options }, r), provider);
    }
  },
};
