/**
 * Google Cloud DNS: managed zones, written by the Google provider's
 * `google_dns_record_set` (@cdktf/provider-google, hashicorp/google 6.50.0).
 * Its cdktf side is constructs/providers/google.ts.
 */
import { parseQuotedTxt, quoteTxt } from "../dkim/txt";
import { excerpt } from "../redact";
import { cannot, type DnsProvider } from "./provider";

/** The record set resource's page, at the version the bindings pin. */
const RECORD_SET = "https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/dns_record_set";

// A managed zone's name "must be 1-63 characters long, must begin with a letter, end with a letter or digit, and only contain lowercase
// letters, digits or dashes" (https://cloud.google.com/service-infrastructure/docs/service-networking/reference/rest/v1/DnsZone; the Cloud
// console says the same without the length).
const MANAGED_ZONE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
// "Project IDs must start with a lowercase letter and can have lowercase ASCII letters, digits or hyphens. Project IDs must be between 6 and 30
// characters" (https://cloud.google.com/sdk/gcloud/reference/projects/create), ending in a letter or digit; the provider's import ids also
// take an older domain-scoped id, `example.com:my-project` (`(?P<project>[^/]+)` in resource_dns_record_set.go's importer).
const PROJECT = /^([a-z0-9][-a-z0-9.]*[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** The id check-plan knows a managed zone by: the provider's own id form, `projects/<project>/managedZones/<name>`, or the name alone. */
const zoneKey = (name: string, project: string | undefined) => (project ? `projects/${project}/managedZones/${name}` : name);

export const google: DnsProvider = {
  name: "google",
  title: "Google Cloud DNS",
  documentation: RECORD_SET,

  // "Resource records (RR) sets per managed zone: 10,000", raised on request (https://cloud.google.com/dns/quotas).
  recordQuota: { quota: 10_000, raise: "have Google raise it ('Resource record sets per managed zone', https://cloud.google.com/dns/quotas)" },

  zoneFields: {
    managedZone: "Google Cloud DNS: the managed zone's name (not its DNS name), e.g. example-com; required in google zones.",
    project: "Google Cloud DNS: the project of the managed zone; the provider's project (GOOGLE_PROJECT) when absent.",
  },
  // A record set names its managed zone by name (`managed_zone`, "The name of the zone in which this record set will reside", RECORD_SET),
  // and its project (`project`, "If it is not provided, the provider project is used").
  zoneOptions: (raw, at) => {
    const options: Record<string, string> = {};
    const { managedZone, project } = raw;
    if (managedZone === undefined)
      at(
        "provider",
        "a google zone needs 'managedZone': the name of its managed zone in Cloud DNS (not its DNS name), as 'gcloud dns managed-zones list' shows it",
      );
    else if (typeof managedZone === "string") {
      if (MANAGED_ZONE.test(managedZone)) options.managedZone = managedZone;
      else
        at(
          "managedZone",
          `'${excerpt(managedZone)}' is not a managed zone name: 1 to 63 lower-case letters, digits and hyphens, starting with a letter and ` +
            "not ending with a hyphen (the NAME column of 'gcloud dns managed-zones list', not the zone's DNS name)",
        );
    }
    if (typeof project === "string") {
      if (PROJECT.test(project)) options.project = project;
      else
        at(
          "project",
          `'${excerpt(project)}' is not a Google Cloud project id: 6 to 30 lower-case letters, digits and hyphens, starting with a letter ` +
            "(the PROJECT_ID column of 'gcloud projects list', not the project's name or number)",
        );
    }
    return options;
  },

  // "To specify a positive integer value, enter a number in the TTL field" (https://cloud.google.com/dns/docs/records); the provider cannot
  // send 0 (its request's `ttl` is `omitempty`: https://github.com/googleapis/google-api-go-client/blob/main/dns/v1/dns-gen.go). Cloud DNS
  // documents no maximum: domains.yaml's schema bound (2147483647, RFC 2181 8) applies.
  ttl: {
    note: "Google Cloud DNS: 1 or more",
    problem: (ttl) => (ttl < 1 ? `TTL ${ttl} is not allowed in a google zone: Cloud DNS takes a TTL of 1 second or more` : undefined),
  },

  // rrdatas are zone-file text (RFC 1035 5); "To specify a single record value longer than 255 characters such as a TXT record for DKIM, add
  // \" \" inside the Terraform configuration string (e.g. "first255characters\" \"morecharacters")", and quoted so that Cloud DNS does not
  // split it on spaces (RECORD_SET): each string quoted, one space between, the form Cloud DNS returns
  // (https://github.com/hashicorp/terraform-provider-google/issues/5497), so it reads back as written.
  txt: {
    write: (strings) => quoteTxt(strings),
    read: (value) => parseQuotedTxt(value),
  },

  // Import id `projects/{{project}}/managedZones/{{zone}}/rrsets/{{name}}/{{type}}` or `{{zone}}/{{name}}/{{type}}`, "The record name must
  // include the trailing dot at the end" (the Import section of RECORD_SET): literal, and the whole record set of that name and type.
  adopt: {
    can: true,
    importId: (zone, record) => `${zoneKey(zone.id, zone.options.project)}${zone.options.project ? "/rrsets" : ""}/${record.name}./${record.type}`,
  },

  // The provider lists no zone's records (its data source dns_record_set reads one name and fails when it is absent), and a create is
  // authoritative: "existing records (including the default records) for the given type will be overwritten when you create this resource"
  // (RECORD_SET).
  playground: cannot("no local emulator of Google Cloud DNS runs here: the playground leaves Google Cloud DNS zones out"),
  existingRecords: cannot(
    "Google's Terraform provider cannot list a managed zone's records, so check-plan sees only the records its stacks manage, and a create " +
      "replaces any record set of that name and type already in the zone: before a name's first deploy, look it up with 'dkimctl verify', " +
      "or set 'adopt: true' to take the record over where the plan shows it",
  ),

  plan: {
    recordTypes: ["google_dns_record_set"],
    // `name` with its trailing dot, `managed_zone`, `project` (known at plan: the provider fills in its own), `rrdatas`: one zone-file text per
    // record of the set (RECORD_SET).
    record: (_type, read) => {
      const managedZone = read("managed_zone", "string", false);
      return {
        name: read("name", "string", true),
        type: read("type", "string", true),
        ttl: read("ttl", "number", false),
        ...(managedZone !== undefined ? { zoneId: zoneKey(managedZone, read("project", "string", false)) } : {}),
        values: () => read("rrdatas", "strings", true),
      };
    },
    // data and resource "google_dns_managed_zone": `name`, `dns_name` (with its dot), `project`, `visibility`; a private zone is none dkimctl
    // writes into (https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/data-sources/dns_managed_zone).
    zoneOf: ({ type, values: v }) =>
      type === "google_dns_managed_zone" && typeof v.name === "string" && typeof v.dns_name === "string" && v.visibility !== "private"
        ? { name: v.dns_name, id: zoneKey(v.name, typeof v.project === "string" ? v.project : undefined) }
        : undefined,
  },

  init: {
    package: "@cdktf/provider-google",
    zoneLines: (zone) => [
      `    managedZone: ${managedZoneOf(zone)}   # the managed zone's name in Cloud DNS ('gcloud dns managed-zones list'): check it`,
      "    # project: my-project   # optional: the managed zone's project; without it, the provider's (GOOGLE_PROJECT)",
    ],
    // "You can alternatively use the GOOGLE_CREDENTIALS environment variable" ... "GOOGLE_PROJECT"; without credentials, Application Default
    // Credentials (https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/guides/provider_reference).
    credentials:
      "GOOGLE_CREDENTIALS (a service account key) or Application Default Credentials, and GOOGLE_PROJECT; " +
      "the principal needs the role DNS Administrator (roles/dns.admin)",
    secrets: ["GOOGLE_CREDENTIALS", "GOOGLE_PROJECT"],
  },
};

/** The managed zone name `init` suggests for a zone: its labels joined by hyphens, as Cloud DNS names them in its own examples. */
function managedZoneOf(zone: string): string {
  const name = zone.replace(/\./g, "-");
  return (/^[a-z]/.test(name) ? name : `zone-${name}`).slice(0, 63).replace(/-+$/, "");
}
