/**
 * One table of record cases run on every DNS provider in the registry
 * (DNSControl's integration table, at synth level: no provider but Route53
 * can run here, and Route53 has its real-Terraform tests against moto). Each
 * provider's synthesized resources are checked against an expectations
 * entry written from that provider's documentation (cited), not from
 * dkimctl's output; then the resources, read back as a plan would show
 * them, are exactly the desired records (check-plan finds nothing: no drift).
 * An import id that Terraform works out at plan time (from a look-up or a
 * listing) is evaluated by Terraform itself, against the documented
 * attributes of what the plan reads.
 *
 * Adding a provider adds one entry to EXPECTATIONS (a Record over the
 * registry's names: a missing entry fails to compile).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config/load";
import { stackName } from "../src/config/zone-stacks";
import { Lock } from "../src/keys/lock";
import { checkPlan } from "../src/plan/check-plan";
import { type DesiredRecord, desiredRecords } from "../src/records";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../src/providers";
import type { DnsProvider } from "../src/providers/provider";
import { zoneConstructs } from "../constructs/providers";
import { dkimctl, ROOT, tempDir, tempProject } from "./support/project";
import { requireTerraform, terraformEnv } from "./support/terraform";

/** A record as the provider's documentation describes it, before any provider's form. */
interface DocRecord {
  /** FQDN, no trailing dot. */
  readonly name: string;
  readonly type: "TXT" | "CNAME";
  readonly ttl: number;
  /** TXT: the value cut into character-strings of at most 255 bytes (RFC 1035 3.3), by this test. */
  readonly strings: readonly string[];
  /** CNAME: the target host, no trailing dot. */
  readonly target?: string;
}

/** A zone of the table: `pinned` is the one whose id domains.yaml gives, where the provider's zones have ids; the other is looked up. */
interface TableZone {
  readonly name: string;
  readonly pinned: boolean;
}

/** A record the zone holds before the plan, as a listing of the zone shows it. */
interface Present {
  readonly name: string;
  readonly type: string;
  readonly id: number;
}

interface Expectations {
  /** The pages the entries below are written from. */
  readonly docs: readonly string[];
  /** The zone's fields in domains.yaml besides `provider`. */
  fields(zone: TableZone): Record<string, string>;
  /** The resource type of a record, by DNS type. */
  readonly recordType: { readonly TXT: string; readonly CNAME: string };
  /** The attributes the documentation gives a record's resource (a subset of what is synthesized); `zoneId` is the zone's id as the records take it. */
  record(r: DocRecord, zone: TableZone, zoneId: string): Record<string, unknown>;
  /** Attributes the provider fills in at plan time where the configuration leaves them out. @default none */
  readonly planned?: Record<string, unknown>;
  /** The zone's look-up, in the stack of a zone that is not pinned. */
  readonly lookup: {
    readonly type: string;
    arguments(zone: TableZone): Record<string, unknown>;
    /** The look-up's attribute the records take the zone's id from (a token); undefined where they name the zone literally. */
    readonly idAttribute?: string;
    /** The look-up's attributes once Terraform read it (a plan's prior_state); `id` the zone's id when the records take it from here. */
    state(zone: TableZone, id: string): Record<string, unknown>;
  };
  /** The listing of the zone's existing records, where the provider has one: its type and its attributes once read, holding `present`. */
  readonly listing?: { readonly type: string; state(zone: TableZone, present: readonly Present[]): Record<string, unknown> };
  /** `adopt`: the documented import id of a record, with the zone's id as the records take it; or refused in domains.yaml. */
  readonly adopt: ((zone: TableZone, zoneId: string, name: string, type: string) => string) | "refused";
  /** TTLs the provider documents as allowed, and refused. */
  readonly ttl: { readonly allowed: readonly number[]; readonly refused: readonly number[] };
  /** The longest TXT value (bytes) a record holds, where the provider's limit is below the table's values. @default none */
  readonly maxTxtBytes?: number;
}

/** `v` cut into character-strings of at most 255 bytes and quoted, as zone files write them (RFC 1035 5.1). */
const quoted = (strings: readonly string[]) => strings.map((s) => `"${s}"`).join(" ");
/** `name` relative to `zone`, as zone files (and Azure and DigitalOcean) write it. */
const relative = (name: string, zone: string) => (name === zone ? "@" : name.slice(0, -(zone.length + 1)));

/** What Google's provider fills in for a record set without `project`: the provider's project. */
const PROVIDER_PROJECT = "provider-project-1";
/** A subscription, as Azure's resource ids hold it. */
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const azureZoneId = (zone: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/dns-rg/providers/Microsoft.Network/dnsZones/${zone}`;
/** Google managed zones of the table: the table's zone in a project of its own, the other in the provider's. */
const googleZone = (zone: TableZone) => ({ managedZone: zone.name.replace(/\./g, "-"), ...(zone.name === ZONE ? { project: "dns-project-1" } : {}) });

const EXPECTATIONS: Record<ProviderName, Expectations> = {
  route53: {
    docs: [
      "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record",
      "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/route53_zone",
      "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/route53_records",
      "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html",
      "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
    ],
    fields: (zone): Record<string, string> => (zone.pinned ? { zoneId: "Z0123456789ABCDEFGHIJ" } : {}),
    recordType: { TXT: "aws_route53_record", CNAME: "aws_route53_record" },
    // zone_id, name, type, ttl; `records`: "A string list of records. To specify a single record value longer than 255 characters such as a
    // TXT record for DKIM, add \"\" inside the Terraform configuration string (e.g., "first255characters\"\"morecharacters")". Names of
    // internationalized domains in Punycode (DomainNameFormat).
    record: (r, _zone, zoneId) => ({
      zone_id: zoneId,
      name: r.name,
      type: r.type,
      ttl: r.ttl,
      records: [r.type === "TXT" ? r.strings.join('""') : r.target],
    }),
    // data "aws_route53_zone": `name`, and `private_zone` false for the public zone; its `zone_id` is the hosted zone's id.
    // Read: `zone_id` "The Hosted Zone identifier", `name`, `private_zone`.
    lookup: {
      type: "aws_route53_zone",
      arguments: (zone) => ({ name: zone.name, private_zone: false }),
      idAttribute: "zone_id",
      state: (zone, id) => ({ name: zone.name, zone_id: id, private_zone: false }),
    },
    // data "aws_route53_records": `resource_record_sets`, each with `name` (the FQDN with its dot) and `type`.
    listing: {
      type: "aws_route53_records",
      state: (_zone, present) => ({ resource_record_sets: present.map((p) => ({ name: `${p.name}.`, type: p.type })) }),
    },
    // Import: "the ID of the record, record name, record type, and set identifier", e.g. Z4KAPRWWNC7JR_dev.example.com_NS (no set identifier
    // without a routing policy).
    adopt: (_zone, zoneId, name, type) => `${zoneId}_${name}_${type}`,
    // TTL: 0 to 2147483647 seconds.
    ttl: { allowed: [0, 1, 60, 86400, 2147483647], refused: [] },
  },
  cloudflare: {
    docs: [
      "https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs/resources/dns_record",
      "https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs/data-sources/zone",
      "https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/",
      "https://developers.cloudflare.com/dns/proxy-status/",
    ],
    fields: (zone): Record<string, string> => (zone.pinned ? { zoneId: "023e105f4ecef8ad9ca31a8372d0c353" } : {}),
    recordType: { TXT: "cloudflare_dns_record", CNAME: "cloudflare_dns_record" },
    // zone_id, name ("DNS record name (or @ for the zone apex) in Punycode"), type, ttl; TXT `content` "must consist of quoted 'character
    // strings' (RFC 1035), each with a length of up to 255 bytes"; a CNAME not proxied, or it would answer with Cloudflare's addresses.
    record: (r, _zone, zoneId) => ({
      zone_id: zoneId,
      name: r.name,
      type: r.type,
      ttl: r.ttl,
      ...(r.type === "TXT" ? { content: quoted(r.strings) } : { content: r.target, proxied: false }),
    }),
    // data "cloudflare_zone" with `filter.name`; its `zone_id`.
    // Read: `id` ("Identifier"), `zone_id`, `name` ("The domain name").
    lookup: {
      type: "cloudflare_zone",
      arguments: (zone) => ({ filter: { name: zone.name } }),
      idAttribute: "zone_id",
      state: (zone, id) => ({ id, zone_id: id, name: zone.name, filter: { name: zone.name } }),
    },
    // Import id <zone_id>/<dns_record_id>: the record's id is not known before it exists, so domains.yaml refuses `adopt` here.
    adopt: "refused",
    // "Setting to 1 means 'automatic'. Value must be between 60 and 86400, with the minimum reduced to 30 for Enterprise zones."
    ttl: { allowed: [1, 60, 300, 86400], refused: [0, 2, 30, 59, 86401, 2147483647] },
  },
  google: {
    docs: [
      "https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/dns_record_set",
      "https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/data-sources/dns_managed_zone",
      "https://cloud.google.com/dns/docs/records/json-record",
      "https://cloud.google.com/dns/docs/records",
    ],
    fields: googleZone,
    recordType: { TXT: "google_dns_record_set", CNAME: "google_dns_record_set" },
    // managed_zone ("The name of the zone"), project, name: "The record name must include the trailing dot at the end"; rrdatas: "To specify a
    // single record value longer than 255 characters such as a TXT record for DKIM, add \" \" inside the Terraform configuration string", and
    // quoted against splitting on spaces; a CNAME's target: "the hostnames must end with periods (.) in the rrdatas fields" (json-record).
    record: (r, zone) => ({
      managed_zone: googleZone(zone).managedZone,
      ...(zone.name === ZONE ? { project: googleZone(zone).project } : {}),
      name: `${r.name}.`,
      type: r.type,
      ttl: r.ttl,
      rrdatas: [r.type === "TXT" ? quoted(r.strings) : `${r.target}.`],
    }),
    // `project`: "If it is not provided, the provider project is used" (the plan shows it).
    planned: { project: PROVIDER_PROJECT },
    // data "google_dns_managed_zone": `name` (the managed zone's), `project`; read: `dns_name` ("The fully qualified DNS name of this zone,
    // e.g. terraform.io."), `visibility`, `id` projects/{{project}}/managedZones/{{name}}.
    lookup: {
      type: "google_dns_managed_zone",
      arguments: (zone) => {
        const { managedZone, project } = googleZone(zone);
        return { name: managedZone, ...(project ? { project } : {}) };
      },
      state: (zone) => {
        const { managedZone, project = PROVIDER_PROJECT } = googleZone(zone);
        return { name: managedZone, dns_name: `${zone.name}.`, project, visibility: "public", id: `projects/${project}/managedZones/${managedZone}` };
      },
    },
    // Import: `projects/{{project}}/managedZones/{{zone}}/rrsets/{{name}}/{{type}}` or `{{zone}}/{{name}}/{{type}}`, "The record name must
    // include the trailing dot".
    adopt: (zone, _zoneId, name, type) => {
      const { managedZone, project } = googleZone(zone);
      return project ? `projects/${project}/managedZones/${managedZone}/rrsets/${name}./${type}` : `${managedZone}/${name}./${type}`;
    },
    // "To specify a positive integer value, enter a number in the TTL field" (records).
    ttl: { allowed: [1, 300, 2147483647], refused: [0] },
  },
  azure: {
    docs: [
      "https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/dns_txt_record",
      "https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/resources/dns_cname_record",
      "https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs/data-sources/dns_zone",
      "https://learn.microsoft.com/en-us/azure/dns/dns-zones-records",
      "https://learn.microsoft.com/en-us/azure/dns/dns-faq",
    ],
    fields: () => ({ resourceGroup: "dns-rg" }),
    recordType: { TXT: "azurerm_dns_txt_record", CNAME: "azurerm_dns_cname_record" },
    // name (relative: "The record set name must be a relative name, excluding the zone name"), zone_name, resource_group_name, ttl; TXT
    // `record { value }`: "you should specify a single string per record. This string is automatically divided into 255-character segments";
    // CNAME `record` = "contoso.com". IDNs as punycode (dns-faq).
    record: (r, zone) => ({
      name: relative(r.name, zone.name),
      zone_name: zone.name,
      resource_group_name: "dns-rg",
      ttl: r.ttl,
      record: r.type === "TXT" ? [{ value: r.strings.join("") }] : r.target,
    }),
    // data "azurerm_dns_zone": `name`, `resource_group_name`; read: `id` "The ID of the DNS Zone".
    lookup: {
      type: "azurerm_dns_zone",
      arguments: (zone) => ({ name: zone.name, resource_group_name: "dns-rg" }),
      state: (zone) => ({ id: azureZoneId(zone.name), name: zone.name, resource_group_name: "dns-rg" }),
    },
    // "TXT records can be imported using the resource id, e.g. /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mygroup1/
    // providers/Microsoft.Network/dnsZones/zone1/TXT/myrecord1".
    adopt: (zone, _zoneId, name, type) => `${azureZoneId(zone.name)}/${type}/${relative(name, zone.name)}`,
    // "You can specify any TTL value between 1 and 2,147,483,647 seconds" (dns-zones-records).
    ttl: { allowed: [1, 3600, 2147483647], refused: [0] },
    // "Azure DNS supports a total string length of up to 4096 characters in each TXT record set" (dns-zones-records).
    maxTxtBytes: 4096,
  },
  digitalocean: {
    docs: [
      "https://registry.terraform.io/providers/digitalocean/digitalocean/2.71.0/docs/resources/record",
      "https://registry.terraform.io/providers/digitalocean/digitalocean/2.71.0/docs/data-sources/records",
      "https://docs.digitalocean.com/glossary/ttl/",
      "https://github.com/DNSControl/dnscontrol/blob/main/providers/digitalocean/auditrecords.go",
    ],
    fields: () => ({}),
    recordType: { TXT: "digitalocean_record", CNAME: "digitalocean_record" },
    // domain, name ("The hostname of the record. Use @ for records on domain's name itself"), type, ttl, value; a CNAME's value ends with a
    // dot (the API answers "Data needs to end with a dot (.)" otherwise).
    record: (r, zone) => ({
      domain: zone.name,
      name: relative(r.name, zone.name),
      type: r.type,
      ttl: r.ttl,
      value: r.type === "TXT" ? r.strings.join("") : `${r.target}.`,
    }),
    // A domain is named by its name; the listing of its records, read during the plan, finds it (data "digitalocean_records": `domain`).
    lookup: {
      type: "digitalocean_records",
      arguments: (zone) => ({ domain: zone.name }),
      state: (zone) => ({ domain: zone.name, records: [] }),
    },
    // data "digitalocean_records": `records`, each with `id`, `domain`, `name` (relative), `type`, `value`.
    listing: {
      type: "digitalocean_records",
      state: (zone, present) => ({
        domain: zone.name,
        records: present.map((p) => ({ id: p.id, domain: zone.name, name: relative(p.name, zone.name), type: p.type, value: "v=DKIM1; p=" })),
      }),
    },
    // "Records can be imported using the domain name and record id when joined with a comma", e.g. example.com,12345678.
    adopt: (zone, _zoneId, name, type) => `${zone.name},${PRESENT.find((p) => p.name === name && p.type === type)!.id}`,
    // "All DNS records require a minimum TTL value of 30 seconds" (glossary/ttl).
    ttl: { allowed: [30, 3600, 2147483647], refused: [0, 1, 29] },
    // DNSControl: "DO's implementation restricts the total length to be 512 octets, including the quotes, backlashes used for escapes, spaces
    // between substrings", at most 509 quoted: 504 bytes of value (auditrecords.go).
    maxTxtBytes: 504,
  },
};

const ZONE = "table.example";
const LOOKED_UP = "lookup.example";
const DELEGATED = "s1.domainkey.u1234.wl.sendgrid.net";
const PROVIDED = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
/** The records the table's zone holds before the plan (a listing shows them): the one `adopted` takes over, and another. */
const PRESENT: readonly Present[] = [
  { name: `adopted._domainkey.${ZONE}`, type: "TXT", id: 12345678 },
  { name: `other._domainkey.${ZONE}`, type: "TXT", id: 2 },
];

/** Each table zone of `provider`: its id given where the provider's zones have one. */
const zonesOf = (provider: ProviderName): TableZone[] => [
  { name: ZONE, pinned: PROVIDERS[provider].zoneId !== undefined },
  { name: LOOKED_UP, pinned: false },
];
const tableZone = (provider: ProviderName, name: string): TableZone => zonesOf(provider).find((z) => name === z.name || name.endsWith(`.${z.name}`))!;

/** The size of the RSA-4096 key record, the longest of the table. */
const RSA_4096_RECORD = "v=DKIM1; k=rsa; p=".length + 736;
const holds4096 = (provider: ProviderName) => (EXPECTATIONS[provider].maxTxtBytes ?? Infinity) >= RSA_4096_RECORD;

/** The same domains in every provider's project (one lock serves all); `adopted` only where the provider can adopt, `r4096` where it fits. */
function yaml(provider: ProviderName, opts: { adopt?: boolean; r4096?: boolean; ttl?: number } = {}): string {
  const { adopt = EXPECTATIONS[provider].adopt !== "refused", r4096 = holds4096(provider), ttl = 300 } = opts;
  const zone = (z: TableZone) =>
    `{ ${[`provider: ${provider}`, ...Object.entries(EXPECTATIONS[provider].fields(z)).map(([k, v]) => `${k}: "${v}"`)].join(", ")} }`;
  const [table, lookedUp] = zonesOf(provider);
  return `version: 1
zones:
  ${ZONE}: ${zone(table)}
  ${LOOKED_UP}: ${zone(lookedUp)}
domains:
  ${ZONE}:
    dmarc: { policy: reject, rua: [mailto:dmarc@${ZONE}] }
    selectors:
      short: { txt: "${PROVIDED}" }
      r2048: { key: rsa-2048 }
${r4096 ? "      r4096: { key: rsa-4096 }\n" : ""}      ed: { key: ed25519 }
      del: { cname: ${DELEGATED}, ttl: ${ttl} }
${adopt ? `      adopted: { txt: "${PROVIDED}", adopt: true }\n` : ""}  parked.${ZONE}: { parked: true }
  bücher.${ZONE}:
    selectors:
      s1: { key: ed25519 }
  ${LOOKED_UP}:
    selectors:
      s1: { key: ed25519 }
`;
}

/** The cases: each names the record it publishes, and how many character-strings a TXT value takes. */
const CASES = [
  { case: "short TXT (provided)", name: `short._domainkey.${ZONE}`, strings: 1 },
  { case: "RSA-2048 TXT", name: `r2048._domainkey.${ZONE}`, strings: 2 },
  { case: "RSA-4096 TXT", name: `r4096._domainkey.${ZONE}`, strings: 3 },
  { case: "Ed25519", name: `ed._domainkey.${ZONE}`, strings: 1 },
  { case: "CNAME", name: `del._domainkey.${ZONE}`, strings: 0 },
  { case: "DMARC", name: `_dmarc.${ZONE}`, strings: 1 },
  { case: "parked domain's null record", name: `*._domainkey.parked.${ZONE}`, strings: 1 },
  { case: "IDN name", name: `s1._domainkey.xn--bcher-kva.${ZONE}`, strings: 1 },
  { case: "zone looked up by name", name: `s1._domainkey.${LOOKED_UP}`, strings: 1 },
] as const;

/** `value` cut into strings of at most 255 bytes, by this test (DKIM and DMARC values are ASCII). */
function strings(value: string): string[] {
  expect(value).toMatch(/^[\x20-\x7e]*$/);
  const out: string[] = [];
  for (let i = 0; i < value.length || i === 0; i += 255) out.push(value.slice(i, i + 255));
  return out;
}

interface Synthesized {
  readonly config: string;
  readonly records: DesiredRecord[];
  /** Each stack's cdk.tf.json, by stack name. */
  readonly stacks: Record<string, any>;
}

const synthesized = new Map<ProviderName, Synthesized>();
/** The table's lock, with every key (made once, for the project with the most selectors). */
let tableLock: string;

beforeAll(async () => {
  for (const provider of PROVIDER_NAMES) {
    const p = tempProject(yaml(provider));
    // One set of keys for every provider's project (the same domains): the RSA-4096 key is made once. Synth reads the lock only.
    if (tableLock) copyFileSync(tableLock, p.lock);
    else {
      expect(holds4096(provider)).toBe(true);
      expect(await dkimctl("keys", "--config", p.config)).toMatchObject({ code: 0 });
      tableLock = p.lock;
    }
    const app = buildApp(p.config, () => Testing.app());
    const stacks = Object.fromEntries(
      app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => [s.node.id, JSON.parse(Testing.synth(s))]),
    );
    synthesized.set(provider, { config: p.config, records: desiredRecords(loadConfig(p.config), Lock.read(p.lock)), stacks });
  }
}, 120_000);

/** The resource of the record named `name` in provider's output, with its address and stack. */
function resourceOf(provider: ProviderName, name: string): { address: string; stack: any; attributes: Record<string, any> } {
  const { stacks } = synthesized.get(provider)!;
  const types = new Set(Object.values(EXPECTATIONS[provider].recordType));
  const found = Object.values(stacks).flatMap((stack) =>
    [...types].flatMap((type) =>
      Object.entries((stack.resource?.[type] ?? {}) as Record<string, Record<string, any>>)
        .filter(([, r]) => PROVIDERS[provider].plan.record(type, readFrom(r)).name?.replace(/\.$/, "") === name)
        .map(([id, attributes]) => ({ address: `${type}.${id}`, stack, attributes })),
    ),
  );
  expect(found).toHaveLength(1);
  return found[0];
}

/** Reads synthesized attributes as check-plan reads a plan's (a record's name in whatever form its resource holds it). */
function readFrom(attributes: Record<string, any>) {
  return ((name: string, _want: string, _required: boolean, key?: string) => {
    const v = attributes[name];
    return key !== undefined && Array.isArray(v) ? v.map((b) => b[key]) : v;
  }) as Parameters<DnsProvider["plan"]["record"]>[1];
}

/** The zone's look-up in `stack`: the one data source of the look-up's type, and its address. */
function lookupOf(provider: ProviderName, stack: any): { address: string; args: Record<string, any> } {
  const type = EXPECTATIONS[provider].lookup.type;
  const found = Object.entries((stack.data?.[type] ?? {}) as Record<string, Record<string, any>>);
  expect(found).toHaveLength(1);
  return { address: `data.${type}.${found[0][0]}`, args: found[0][1] };
}

/** The zone's id as the records of `zone` take it: its given id, the look-up's token, or what domains.yaml names it by. */
function zoneIdOf(provider: ProviderName, zone: TableZone, stack: any): string {
  const e = EXPECTATIONS[provider];
  if (zone.pinned) return Object.values(e.fields(zone))[0];
  if (e.lookup.idAttribute) return `\${${lookupOf(provider, stack).address}.${e.lookup.idAttribute}}`;
  return zone.name;
}

/**
 * What Terraform makes of an import id at plan time: the id itself when it
 * is literal, else its template evaluated by `terraform console` with each
 * data source it reads holding the attributes the documentation gives it
 * (the look-up, the listing of `PRESENT`).
 */
function importIdAtPlan(provider: ProviderName, zone: TableZone, id: string): string {
  if (!id.includes("${")) return id;
  const e = EXPECTATIONS[provider];
  const locals: Record<string, unknown> = {};
  const template = id.replace(/\bdata\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)/g, (_, type: string, name: string) => {
    const local = `data__${type}__${name}`;
    if (type === e.listing?.type && name === "dkimctl_existing") locals[local] = e.listing.state(zone, PRESENT);
    else if (type === e.lookup.type) locals[local] = e.lookup.state(zone, "");
    else throw new Error(`the import id ${id} reads ${type}.${name}, which this test does not know`);
    return `local.${local}`;
  });
  const dir = tempDir("dkimctl-import-id-");
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals: { ...locals, id: template } }));
  const r = spawnSync("terraform", ["console", "-no-color"], { cwd: dir, env: terraformEnv(), input: "local.id\n", encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return JSON.parse(r.stdout.trim());
}

const table = PROVIDER_NAMES.flatMap((provider) => CASES.map((c) => ({ provider, ...c })));

describe.each(PROVIDER_NAMES)("%s", (provider) => {
  test.each(table.filter((t) => t.provider === provider))("$case: the resource the documentation describes", async ({ name, strings: count }) => {
    const e = EXPECTATIONS[provider];
    if (name.startsWith("r4096.") && !holds4096(provider)) {
      // A record the provider cannot hold is refused at the selector, before any key is made.
      const p = tempProject(yaml(provider, { r4096: true }));
      const r = await dkimctl("validate", "--config", p.config);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`:\\d+:\\d+: domains/${ZONE}/selectors/r4096/key: the DKIM key record of an rsa-4096 key is ${RSA_4096_RECORD} bytes`));
      expect(r.err).toContain(`at most ${e.maxTxtBytes} bytes`);
      return;
    }
    const desired = synthesized.get(provider)!.records.find((r) => r.name === name)!;
    expect(desired).toBeDefined();
    const doc: DocRecord =
      desired.type === "CNAME"
        ? { name, type: "CNAME", ttl: desired.ttl, strings: [], target: DELEGATED }
        : { name, type: "TXT", ttl: desired.ttl, strings: strings(desired.value) };
    expect(doc.strings).toHaveLength(count);
    const { address, stack, attributes } = resourceOf(provider, name);
    expect(address.split(".")[0]).toBe(e.recordType[doc.type]);
    const zone = tableZone(provider, name);
    if (!zone.pinned) expect(lookupOf(provider, stack).args).toMatchObject(e.lookup.arguments(zone));
    expect(attributes).toMatchObject(e.record(doc, zone, zoneIdOf(provider, zone, stack)));
  });

  test("adopt: an import block whose id is the documented one at plan time, or refused where the provider has none", async () => {
    const e = EXPECTATIONS[provider];
    const name = `adopted._domainkey.${ZONE}`;
    if (e.adopt === "refused") {
      const p = tempProject(yaml(provider, { adopt: true }));
      const r = await dkimctl("validate", "--config", p.config);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`domains/${ZONE.replace(/\./g, "\\.")}/selectors/adopted/adopt: 'adopt' works in .* zones only; `));
      return;
    }
    requireTerraform();
    const { address, stack } = resourceOf(provider, name);
    const zone = tableZone(provider, name);
    expect(stack.import).toEqual([{ id: expect.any(String), to: address }]);
    expect(importIdAtPlan(provider, zone, stack.import[0].id)).toBe(e.adopt(zone, zoneIdOf(provider, zone, stack), name, "TXT"));
  });

  test("TTLs: the documented ones are accepted, the others refused at the selector", async () => {
    const e = EXPECTATIONS[provider];
    const p = tempProject(yaml(provider));
    copyFileSync(tableLock, p.lock);
    for (const ttl of [...e.ttl.allowed, ...e.ttl.refused]) {
      writeFileSync(p.config, yaml(provider, { ttl }));
      const r = await dkimctl("validate", "--config", p.config);
      expect({ ttl, code: r.code }).toEqual({ ttl, code: e.ttl.allowed.includes(ttl) ? 0 : 1 });
      if (r.code) expect(r.err).toContain(`selectors/del/ttl: TTL ${ttl} is not allowed`);
    }
  });

  /** The plan's changes creating every synthesized record resource, each side as Terraform shows it, and the data sources it read. */
  function plannedCreates(present: readonly Present[] = []) {
    const { stacks, records } = synthesized.get(provider)!;
    const e = EXPECTATIONS[provider];
    // The look-up by name, as Terraform reads it during the plan: the records' zone id is the id it found.
    const lookedUpId = "LOOKEDUP0ZONE0ID";
    const prior: object[] = [];
    const changes = Object.entries(stacks).flatMap(([stackId, stack]) => {
      const zone = zonesOf(provider).find((z) => stackName(z.name) === stackId)!;
      const read: Record<string, Record<string, unknown>> = {};
      for (const [type, sources] of Object.entries((stack.data ?? {}) as Record<string, Record<string, unknown>>))
        for (const name of Object.keys(sources)) {
          const address = `data.${type}.${name}`;
          const isListing = type === e.listing?.type && name === "dkimctl_existing";
          read[address] = isListing ? e.listing!.state(zone, zone.name === ZONE ? present : []) : e.lookup.state(zone, lookedUpId);
          prior.push({ address, mode: "data", type, values: read[address] });
        }
      // References to what was read are known at plan time.
      const resolve = (v: unknown) =>
        typeof v === "string" ? v.replace(/^\$\{(data\.[^.]+\.[^.]+)\.([a-z_]+)\}$/, (_, address: string, attr: string) => String(read[address][attr])) : v;
      return Object.entries(stack.resource ?? {}).flatMap(([type, resources]) =>
        Object.entries(resources as Record<string, Record<string, unknown>>).map(([id, r]) => {
          const { "//": _, provider: __, ...config } = r;
          const after = { ...e.planned, ...Object.fromEntries(Object.entries(config).map(([k, v]) => [k, resolve(v)])) };
          return { address: `${type}.${id}`, mode: "managed", type, change: { actions: ["create"], before: null, after, after_unknown: {} } };
        }),
      );
    });
    expect(changes).toHaveLength(records.length);
    return { format_version: "1.2", resource_changes: changes, prior_state: { values: { root_module: { resources: prior } } } };
  }

  test("read back as a plan shows them, the resources are exactly the desired records (no drift)", () => {
    const { config } = synthesized.get(provider)!;
    const loaded = loadConfig(config);
    const plan = plannedCreates();
    expect(checkPlan(plan, loaded, Lock.read(loaded.lockFile))).toEqual([]);
    // The check is real: without the look-ups, the zones looked up cannot be confirmed.
    const unconfirmed = synthesized
      .get(provider)!
      .records.filter((r) => !tableZone(provider, r.name).pinned)
      .map((r) => expect.objectContaining({ name: r.name, severity: "error" }));
    expect(unconfirmed.length).toBeGreaterThan(0);
    const findings = checkPlan({ ...plan, prior_state: undefined }, loaded, Lock.read(loaded.lockFile));
    expect(findings).toHaveLength(unconfirmed.length);
    expect(findings).toEqual(expect.arrayContaining(unconfirmed));
  });

  test("a create over a record the zone's listing shows is refused, with what the provider would do; or the provider has no listing", () => {
    const e = EXPECTATIONS[provider];
    const p: DnsProvider = PROVIDERS[provider];
    expect(p.existingRecords.can).toBe(e.listing !== undefined);
    if (!p.existingRecords.can) return;
    const { config } = synthesized.get(provider)!;
    const loaded = loadConfig(config);
    const name = `r2048._domainkey.${ZONE}`;
    const findings = checkPlan(plannedCreates([{ name, type: "TXT", id: 7 }]), loaded, Lock.read(loaded.lockFile));
    expect(findings).toEqual([
      expect.objectContaining({ name, severity: "error", message: expect.stringContaining(`already has a record there that this stack did not create`) }),
    ]);
    expect(findings[0].message).toContain(p.existingRecords.onCreateOver);
  });
});

test("every Azure stack's provider block has the features block its documentation requires", () => {
  // "features - (Required) A features block"; the SDK schema is Required, MinItems 1, though the cdktf binding types it optional; and
  // resource_provider_registrations = "none" for a principal that may not register resource providers
  // (https://registry.terraform.io/providers/hashicorp/azurerm/4.55.0/docs).
  const stacks = Object.values(synthesized.get("azure")!.stacks) as { provider: Record<string, unknown[]> }[];
  expect(stacks.length).toBeGreaterThan(0);
  for (const stack of stacks) expect(stack.provider).toEqual({ azurerm: [{ features: [{}], resource_provider_registrations: "none" }] });
});

describe("the registry", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const providers = PROVIDER_NAMES.map((n) => [n, PROVIDERS[n] as DnsProvider] as const);

  test("each provider is registered under its own name, and its package is an optional peer pinned for development", () => {
    for (const [name, p] of providers) {
      expect(p.name).toBe(name);
      expect({ name, peer: pkg.peerDependencies[p.init.package], optional: pkg.peerDependenciesMeta[p.init.package] }).toEqual({
        name,
        peer: `^${pkg.devDependencies[p.init.package]}`,
        optional: { optional: true },
      });
    }
  });

  test("each provider's capabilities are those of its constructs: existing-record listing", () => {
    for (const [name, p] of providers) {
      const zone = { name: "x.example", provider: name, options: {}, recordQuota: p.recordQuota.quota, position: { file: "d.yaml", line: 1, col: 1 } };
      expect({ name, lists: zoneConstructs(zone).listExisting !== undefined }).toEqual({ name, lists: p.existingRecords.can });
    }
  });

  test("each provider writes TXT strings so that it reads them back: the strings, or the value whole where the provider splits it", () => {
    const cases = [[""], ["v=DKIM1; p="], ["a".repeat(255), "b".repeat(255), "c"], ['say "hi"', "back\\slash"]];
    for (const [name, p] of providers)
      for (const s of cases) {
        const read = p.txt.read(p.txt.write(s));
        expect({ name, s, same: [JSON.stringify(s), JSON.stringify([s.join("")])].includes(JSON.stringify(read)) }).toEqual({ name, s, same: true });
      }
  });

  test("docs/providers.md has a row for each provider: its name, package and credentials", () => {
    const doc = readFileSync(join(ROOT, "docs", "providers.md"), "utf8");
    for (const [name, p] of providers) {
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${name}\``));
      expect({ name, row: row !== undefined }).toEqual({ name, row: true });
      expect(row).toContain(`${p.init.package}@${pkg.devDependencies[p.init.package]}`);
    }
  });
});
