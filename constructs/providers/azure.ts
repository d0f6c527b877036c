/**
 * Azure DNS's resources: the AzureRM provider (@cdktf/provider-azurerm), the
 * zone read by its name and resource group, and one `azurerm_dns_txt_record`
 * or `azurerm_dns_cname_record` block per record (as the bindings write
 * them, without building one per record: constructs/record-blocks.ts). What
 * they are made of is src/providers/azure.ts.
 */
import type { TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { DataAzurermDnsZone } from "@cdktf/provider-azurerm/lib/data-azurerm-dns-zone";
import { relativeName } from "../../src/dns/names";
import { azure } from "../../src/providers/azure";
import type { ProviderConstructs } from "./provider";

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
  recordBlock: (r, { zoneId, zone }) => {
    const common = { name: relativeName(r.name, zone.name), resource_group_name: zone.options.resourceGroup, ttl: r.ttl, zone_name: zone.name };
    return {
      ...(r.type === "TXT"
        ? { type: "azurerm_dns_txt_record", attributes: { ...common, record: [{ value: azure.txt.write(r.strings) }] } }
        : { type: "azurerm_dns_cname_record", attributes: { ...common, record: r.value } }),
      ...(r.adopt && azure.adopt.can ? { importId: azure.adopt.importId({ id: zoneId, name: zone.name, options: zone.options }, r) } : {}),
    };
  },
};
