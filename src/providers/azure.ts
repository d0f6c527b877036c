/**
 * Azure DNS: DNS zones of a resource group, written by the AzureRM
 * provider's `azurerm_dns_txt_record` and `azurerm_dns_cname_record`
 * (@cdktf/provider-azurerm, hashicorp/azurerm 4.55.0). Its cdktf side is
 * constructs/providers/azure.ts.
 */
import { joinTxt } from "../dkim/txt";
import { absoluteName, relativeName } from "../dns/names";
import { excerpt } from "../redact";
import { cannot, type DnsProvider } from "./provider";

/** The TXT record resource's page, at the version the bindings pin. */
const TXT_RECORD = "https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/dns_txt_record";
/** Azure DNS's own page on zones and records: TTLs, TXT strings and their limit, wildcards. */
const ZONES_AND_RECORDS = "https://learn.microsoft.com/en-us/azure/dns/dns-zones-records";

/** Each record resource type, by the DNS type it writes (Azure has one resource per record-set type). */
const RESOURCE_TYPES = { TXT: "azurerm_dns_txt_record", CNAME: "azurerm_dns_cname_record" } as const;

// The provider's check of `resource_group_name`: at most 90 characters matching ^[-\w._()]+$, not ending in a period
// (https://github.com/hashicorp/go-azure-helpers/blob/main/resourcemanager/resourcegroups/validate.go, vendored by the provider at v4.55.0).
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;

/** The id check-plan knows a zone by: its Azure resource id below the subscription (a record resource names no subscription). */
const zoneKey = (resourceGroup: string, zone: string) => `/resourceGroups/${resourceGroup}/providers/Microsoft.Network/dnsZones/${zone}`;

export const azure: DnsProvider = {
  name: "azure",
  title: "Azure DNS",
  documentation: TXT_RECORD,

  // "Record sets per public DNS zone: 10,000" (Azure DNS limits:
  // https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-dns-limits).
  recordQuota: { quota: 10_000, raise: "have Azure support raise it ('Record sets per public DNS zone')" },

  zoneFields: {
    resourceGroup: "Azure DNS: the resource group that holds the zone; required in azure zones.",
  },
  // A record names its zone by `zone_name` and `resource_group_name`, both required (TXT_RECORD).
  zoneOptions: (raw, at): Record<string, string> => {
    const { resourceGroup } = raw;
    if (resourceGroup === undefined)
      at("provider", "an azure zone needs 'resourceGroup': the resource group that holds the DNS zone ('az network dns zone list -o table')");
    else if (typeof resourceGroup === "string") {
      if (RESOURCE_GROUP.test(resourceGroup)) return { resourceGroup };
      at("resourceGroup", `'${excerpt(resourceGroup)}' is not a resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' and ')', not ending in '.'`);
    }
    return {};
  },

  // "You can specify any TTL value between 1 and 2,147,483,647 seconds" (ZONES_AND_RECORDS).
  ttl: {
    note: "Azure DNS: 1..2147483647",
    problem: (ttl) => (ttl < 1 ? `TTL ${ttl} is not allowed in an azure zone: Azure DNS takes 1..2147483647 seconds` : undefined),
  },

  // "When you use the Azure portal, PowerShell, or CLI interfaces, you should specify a single string per record. This string is automatically
  // divided into 255-character segments" (ZONES_AND_RECORDS); the provider is given the value whole (`record { value }`, TXT_RECORD), sends it
  // in 254-byte segments and joins them when it reads the record back (dns_txt_record_resource.go), so the value reads back as written. No
  // quotes: a quote would be published as one. dkimctl's values hold no `\`, which Azure reads as an escape
  // (https://learn.microsoft.com/en-us/azure/dns/dns-faq).
  txt: {
    write: (strings) => joinTxt(strings),
    read: (value) => [value],
    // "Azure DNS supports a total string length of up to 4096 characters in each TXT record set" (1024 in its national clouds: ZONES_AND_RECORDS).
    maxValue: { bytes: 4096, why: `Azure DNS's limit per TXT record set, ${ZONES_AND_RECORDS}` },
  },

  // Import id: the record set's resource id, `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnsZones/<zone>/TXT/<name>`
  // (the Import section of TXT_RECORD; CNAME alike). The subscription is the provider's: the zone's id comes from the zone's data source at
  // plan time (constructs/providers/azure.ts), which Terraform evaluates in an import block's id.
  adopt: { can: true, importId: (zone, record) => `${zone.id}/${record.type}/${relativeName(record.name, zone.name)}` },

  // The provider's record data sources read one name and fail when it is absent ("was not found"), so none lists a zone; a create over an
  // existing record set fails: "already exists - to be managed via Terraform this resource needs to be imported" (dns_txt_record_resource.go).
  playground: cannot("no local emulator of Azure DNS runs here: the playground leaves Azure DNS zones out"),
  existingRecords: cannot(
    "Azure's Terraform provider cannot list a zone's records, so check-plan sees only the records its stacks manage; Azure DNS refuses a " +
      "create over an existing record set at apply ('already exists - to be managed via Terraform this resource needs to be imported'): " +
      "set 'adopt: true' to take such a record over",
  ),

  plan: {
    recordTypes: Object.values(RESOURCE_TYPES),
    // `name` relative to `zone_name` (`@` for the zone itself), `resource_group_name`, `ttl`; TXT `record`: blocks of one `value` each (one
    // record of the set each); CNAME `record`: the target (TXT_RECORD and its dns_cname_record page).
    record: (type, read) => {
      const zone = read("zone_name", "string", true);
      const name = read("name", "string", true);
      const group = read("resource_group_name", "string", false);
      const txt = type === RESOURCE_TYPES.TXT;
      return {
        ...(name !== undefined && zone !== undefined ? { name: absoluteName(name, zone) } : {}),
        type: txt ? "TXT" : "CNAME",
        ttl: read("ttl", "number", false),
        ...(group !== undefined && zone !== undefined ? { zoneId: zoneKey(group, zone) } : {}),
        values: () => {
          if (txt) return read("record", "strings", true, "value");
          const target = read("record", "string", true);
          return target === undefined ? undefined : [target];
        },
      };
    },
    // data and resource "azurerm_dns_zone": `name`, `resource_group_name`; private zones are another type (azurerm_private_dns_zone)
    // (https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/data-sources/dns_zone).
    zoneOf: ({ type, values: v }) =>
      type === "azurerm_dns_zone" && typeof v.name === "string" && typeof v.resource_group_name === "string"
        ? { name: v.name, id: zoneKey(v.resource_group_name, v.name) }
        : undefined,
  },

  init: {
    package: "@cdktf/provider-azurerm",
    zoneLines: () => ["    resourceGroup: dns-rg   # the resource group that holds the DNS zone ('az network dns zone list -o table'): check it"],
    // Service principal: ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID, and ARM_SUBSCRIPTION_ID, "required when performing a plan or apply";
    // or OIDC (ARM_USE_OIDC), a managed identity (ARM_USE_MSI) or the Azure CLI's login
    // (https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs).
    credentials:
      "ARM_SUBSCRIPTION_ID, ARM_TENANT_ID, ARM_CLIENT_ID and ARM_CLIENT_SECRET (or ARM_USE_OIDC, ARM_USE_MSI, or 'az login'); " +
      "the principal needs the role DNS Zone Contributor on the zone",
    secrets: ["ARM_SUBSCRIPTION_ID", "ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET"],
  },
};
