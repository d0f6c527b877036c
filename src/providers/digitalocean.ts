/**
 * DigitalOcean: domains written by the DigitalOcean provider's
 * `digitalocean_record` (@cdktf/provider-digitalocean,
 * digitalocean/digitalocean 2.71.0). Its cdktf side is
 * constructs/providers/digitalocean.ts.
 */
import { joinTxt } from "../dkim/txt";
import { absoluteName, relativeName } from "../dns/names";
import { EXISTING_RECORDS_ID } from "../logical-id";
import { cannot, type DnsProvider } from "./provider";

/** The record resource's page, at the version the bindings pin. */
const RECORD = "https://registry.terraform.io/providers/digitalocean/digitalocean/2.71.0/docs/resources/record";

/** The listing of the zone's existing DKIM (and DMARC) records: one per stack (constructs/providers/digitalocean.ts). */
const LISTING = `data.digitalocean_records.${EXISTING_RECORDS_ID}`;

export const digitalocean: DnsProvider = {
  name: "digitalocean",
  title: "DigitalOcean",
  documentation: RECORD,

  // No number of records per domain is documented that we found (unlike Route53's, Google's and Azure's): no quota unless the zone sets
  // recordQuota (docs/providers.md says so).
  recordQuota: { quota: Number.POSITIVE_INFINITY, raise: "ask DigitalOcean" },

  // A record names its zone by `domain`, the domain's name (RECORD): no zone options.
  zoneFields: {},

  // "All DNS records require a minimum TTL value of 30 seconds" (https://docs.digitalocean.com/glossary/ttl/); no maximum is documented.
  ttl: {
    note: "DigitalOcean: 30 or more",
    problem: (ttl) => (ttl < 30 ? `TTL ${ttl} is not allowed in a digitalocean zone: DigitalOcean requires 30 seconds or more` : undefined),
  },

  // `value` is sent and read back as is (resource_record.go: `Data: d.Get("value")`, Read stores the API's data): the value whole, unquoted,
  // which DigitalOcean cuts into character-strings itself. DigitalOcean documents no limit; DNSControl, which runs DigitalOcean in its live
  // tests, refuses a TXT whose quoted form (255-byte strings, each quoted, spaces between) is over 509 octets: "DO's implementation restricts
  // the total length to be 512 octets, including the quotes, backlashes used for escapes, spaces between substrings"
  // (https://github.com/DNSControl/dnscontrol/blob/main/providers/digitalocean/auditrecords.go). n bytes quote to n + 3 * ceil(n / 255) - 1
  // octets: at most 504 bytes fit, so an RSA key over 2048 bits does not. No `\` (DNSControl refuses it too): dkimctl's values hold none.
  txt: {
    write: (strings) => joinTxt(strings),
    read: (value) => [value],
    maxValue: { bytes: 504, why: "DigitalOcean's API takes 512 octets of quoted TXT data, as DNSControl measured it; DigitalOcean does not document it" },
  },

  // "Records can be imported using the domain name and record id when joined with a comma", e.g. example.com,12345678 (RECORD): the id is
  // known once the record exists, so it is read at plan time from the stack's listing of the zone's records (a one() of no match, or of two,
  // stops the plan).
  adopt: {
    can: true,
    importId: (zone, record) =>
      `${zone.id},\${one([for r in ${LISTING}.records : r.id if lower(r.name) == "${relativeName(record.name, zone.name)}" && r.type == "${record.type}"])}`,
  },

  // data "digitalocean_records" (https://registry.terraform.io/providers/digitalocean/digitalocean/2.71.0/docs/data-sources/records) lists the
  // domain's records at plan time, filtered by name. A create never conflicts: the API adds a record beside any of the same name
  // (resource_record.go creates with no check), so a second TXT would stand at the selector.
  playground: cannot("no local emulator of DigitalOcean's API runs here: the playground leaves DigitalOcean zones out"),
  existingRecords: {
    can: true,
    address: LISTING,
    // Each of `records` has `name` relative to its `domain` (`@` for the domain itself).
    names: (values, bad) => {
      const records = values.records;
      if (records === undefined || records === null) return [];
      if (!Array.isArray(records)) {
        bad("records is not a list");
        return [];
      }
      return records.flatMap((r: unknown) => {
        const { name, domain } = (typeof r === "object" && r !== null ? r : {}) as { name?: unknown; domain?: unknown };
        return typeof name === "string" && typeof domain === "string" ? [absoluteName(name, domain)] : [];
      });
    },
    onCreateOver: "DigitalOcean would add a second record beside it (a verifier may read either)",
  },

  plan: {
    recordTypes: ["digitalocean_record"],
    // `domain`, `name` relative to it (`@` for the domain itself), `type`, `ttl`, `value` (RECORD).
    record: (_type, read) => {
      const domain = read("domain", "string", true);
      const name = read("name", "string", true);
      return {
        ...(name !== undefined && domain !== undefined ? { name: absoluteName(name, domain) } : {}),
        type: read("type", "string", true),
        ttl: read("ttl", "number", false),
        ...(domain !== undefined ? { zoneId: domain } : {}),
        values: () => {
          const value = read("value", "string", true);
          return value === undefined ? undefined : [value];
        },
      };
    },
    // A domain is known by its name: the listing of its records read during the plan found it, as does data or resource
    // "digitalocean_domain" (`name`).
    zoneOf: ({ mode, type, values: v }) => {
      const name = mode === "data" && type === "digitalocean_records" ? v.domain : type === "digitalocean_domain" ? v.name : undefined;
      return typeof name === "string" ? { name, id: name } : undefined;
    },
  },

  init: {
    package: "@cdktf/provider-digitalocean",
    zoneLines: () => ["    # no zone options: the zone is the DigitalOcean domain of this name. Its TXT records hold keys up to rsa-2048 (or ed25519)"],
    // "token - (Required) This is the DO API token. Alternatively, this can also be specified using environment variables ordered by
    // precedence: DIGITALOCEAN_TOKEN, DIGITALOCEAN_ACCESS_TOKEN" (https://registry.terraform.io/providers/digitalocean/digitalocean/2.71.0/docs).
    credentials: "DIGITALOCEAN_TOKEN (or DIGITALOCEAN_ACCESS_TOKEN): an API token that can read and write the domain's records",
    secrets: ["DIGITALOCEAN_TOKEN"],
  },
};
