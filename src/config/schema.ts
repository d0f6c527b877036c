/**
 * The shape of domains.yaml version 1, as a zod schema. It checks structure
 * and types; the rules that need more than one field (zones, providers,
 * record syntax) live in validate.ts. The editor JSON Schema
 * (domains.schema.json) is generated from this schema by
 * `npm run schema`.
 */
import { z } from "zod";
import { DELEGATIONS } from "./model";
import { KEY_ALGORITHMS } from "../dkim/keys";
import { DURATION_PATTERN } from "../duration";
import { DMARC_ALIGNMENTS, DMARC_POLICIES } from "../dmarc/policy";
import { PROVIDER_NAMES, PROVIDERS } from "../providers";
import type { DnsProvider } from "../providers/provider";
import { adoptingProviders } from "../providers/zones";

const providers: DnsProvider[] = PROVIDER_NAMES.map((n) => PROVIDERS[n]);
const ttlNotes = providers.flatMap((p) => (p.ttl.note ? [p.ttl.note] : []));
const ttl = z
  .int()
  .min(0)
  .max(2147483647)
  .describe(`Record TTL in seconds${ttlNotes.length ? ` (${ttlNotes.join("; ")})` : ""}.`);
/** The most stacks a key zone's customers are spread over (stack names end in two digits). */
export const MAX_CUSTOMER_STACKS = 100;
const keyAlgorithm = z.enum(KEY_ALGORITHMS).describe("Algorithm of a generated key. RSA other than 2048 bits is allowed with a warning.");

export const selectorSchema = z
  .strictObject({
    key: keyAlgorithm.optional().describe("Generate a key of this algorithm (the default: defaults.key)."),
    txt: z.string().optional().describe("Publish this DKIM key record as given by the signing provider (v=DKIM1; k=...; p=...)."),
    cname: z.string().optional().describe("Delegate the selector to the signing provider with a CNAME to this host."),
    ttl: ttl.optional(),
    testing: z.boolean().optional().describe("Publish t=y: receivers treat failures as if unsigned (RFC 6376 3.6.1)."),
    note: z.string().optional().describe('Publish n=<note>, a note for humans. Printable ASCII without ; " or \\.'),
    adopt: z.boolean().optional().describe(`Take over a record that already exists in the zone (${adoptingProviders()}): the plan shows the change to it.`),
  })
  .describe("A selector: exactly one of key (generated, the default), txt (provided) or cname (delegated).");

const duration = z.string().regex(new RegExp(DURATION_PATTERN), { error: "a duration like 90s, 15m, 12h, 3d or 2w" });

export const rotationSchema = z
  .strictObject({
    every: duration.optional().describe("Time between rotations. @default '180d'"),
    publishAhead: duration.optional().describe("How long a new key is published before it signs. @default '3d'"),
    retireAfter: duration.optional().describe("How long an old key stays published after it stops signing. @default '7d'"),
    revokeFor: duration.optional().describe("How long the revoked (empty p=) record stays before removal. @default '30d'"),
    keys: z.array(keyAlgorithm).optional().describe("Algorithms signed with, one active key each. @default [defaults.key]"),
    selector: z
      .string()
      .optional()
      .describe("Selector name template: {k} (s for RSA, e for Ed25519), {yyyy}, {mm}, {dd}, {seq}. @default '{k}{yyyy}{mm}{seq}'"),
  })
  .describe("Key rotation policy: dkimctl names, creates and retires this domain's selectors in the lock (dkimctl rotate).");

export const slotRotationSchema = z
  .strictObject({
    every: duration.optional().describe("Time from one key becoming active to the next. @default defaults.rotation.every, else '180d'"),
    publishAhead: duration
      .optional()
      .describe("How long a new key is published at the idle slot before it signs; at least the ttl. @default defaults.rotation.publishAhead, else '3d'"),
    retireAfter: duration
      .optional()
      .describe("How long a replaced key stays at its slot before the next key takes it. @default defaults.rotation.retireAfter, else '7d'"),
  })
  .describe("How the customers' keys rotate through their slots (dkimctl rotate); the customers' records never change.");

const disposition = z.enum(DMARC_POLICIES);
const alignment = z.enum(DMARC_ALIGNMENTS);
const reportUris = z.array(z.string()).describe("mailto: URIs, each with an optional !size (e.g. mailto:dmarc@example.com!10m).");

/** A DMARC policy as domains.yaml writes it (defaults.dmarc, and each domain's, merged field by field). */
export const dmarcSchema = z
  .strictObject({
    policy: disposition.optional().describe("p=: what receivers do with mail that fails DMARC."),
    subdomainPolicy: disposition.optional().describe("sp=: the policy of subdomains without their own record. @default policy"),
    nonexistentPolicy: disposition.optional().describe("np= (DMARCbis): the policy of subdomains that do not exist. @default subdomainPolicy"),
    adkim: alignment.optional().describe("adkim=: DKIM alignment. @default 'relaxed'"),
    aspf: alignment.optional().describe("aspf=: SPF alignment. @default 'relaxed'"),
    rua: reportUris.optional().describe("rua=: where aggregate reports go (mailto: URIs, optional !size)."),
    ruf: reportUris.optional().describe("ruf=: where failure reports go (mailto: URIs, optional !size)."),
    failureOptions: z.string().optional().describe("fo=: when failure reports are sent: 0, 1, d, s, colon-separated (e.g. '1:d')."),
    testing: z.boolean().optional().describe("t=y (DMARCbis): testing; receivers apply the next weaker policy."),
    pct: z.int().min(0).max(100).optional().describe("pct= (RFC 7489; removed by DMARCbis: accepted with a warning)."),
  })
  .describe("The DMARC record published at _dmarc.<domain> (RFC 7489, DMARCbis).");

export const domainDmarcSchema = dmarcSchema
  .extend({ adopt: z.boolean().optional().describe(`Take over a _dmarc record that already exists in the zone (${adoptingProviders()}).`) })
  .describe("This domain's DMARC record: fields override defaults.dmarc one by one.");

export const spfSchema = z
  .strictObject({
    include: z.array(z.string()).optional().describe("Domains the SPF record must reach through include: (directly or nested)."),
    ip4: z.array(z.string()).optional().describe("IPv4 addresses or CIDR ranges the SPF record must authorise."),
    ip6: z.array(z.string()).optional().describe("IPv6 addresses or CIDR ranges the SPF record must authorise."),
  })
  .describe("What the domain's SPF record must authorise: checked by dkimctl verify, never published (the apex TXT set is shared).");

export const domainSchema = z
  .strictObject({
    dmarc: z
      .union([z.literal(false), domainDmarcSchema])
      .optional()
      .describe("This domain's DMARC record (merged over defaults.dmarc), or false to publish none here (e.g. a subdomain that inherits sp=)."),
    spf: spfSchema.optional(),
    parked: z.boolean().optional().describe("The domain sends no mail: publish DMARC p=reject and a DKIM null record (*._domainkey, empty p=)."),
    rotation: rotationSchema.optional().describe("Rotate this domain's keys (fields default to defaults.rotation)."),
    selectors: z.record(z.string(), selectorSchema.nullable()).optional().describe("Selectors of this sender domain, keyed by name."),
  })
  .describe("A sender domain (the d= of the signature).");

const delegation = z
  .enum(DELEGATIONS)
  .describe("cname: the customer points <slot>._domainkey.<customer> at our target once; txt: the customer publishes the key record itself.");

export const customerSchema = z
  .strictObject({ delegation: delegation.optional().describe("How this customer delegates its slots. @default the key zone's delegation") })
  .describe("A customer: a sender domain whose keys are published in this key zone.");

export const customerGroupSchema = z
  .strictObject({
    slots: z
      .array(z.string())
      .optional()
      .describe("The selectors every customer delegates (two, or three for faster rotation), one label each. @default [esp1, esp2]"),
    delegation: delegation.optional().describe("@default 'cname'"),
    key: keyAlgorithm.optional().describe("Algorithm of the customers' keys. @default defaults.key"),
    ttl: ttl.optional().describe("TTL of the customers' records. @default defaults.ttl"),
    rotation: slotRotationSchema.optional(),
    list: z
      .string()
      .min(1)
      .optional()
      .describe("A file of customers beside domains.yaml: one domain per line (optionally followed by cname or txt, # comments), or YAML."),
    domains: z.record(z.string(), customerSchema.nullable()).optional().describe("Customers, keyed by domain."),
  })
  .describe("Customers whose DKIM keys are published in this key zone (a zone in 'zones'), each delegating its slots to it.");

/** Every provider's zone fields, each an optional string (a field two providers share is one, with their one description). */
const providerZoneFields = Object.fromEntries(
  providers.flatMap((p) => Object.entries(p.zoneFields)).map(([field, description]) => [field, z.string().optional().describe(description)]),
);

/** `provider`, then every provider's zone fields; src/providers/zones.ts checks which apply. */
export const zoneSchema = z
  .strictObject({
    provider: z.enum(PROVIDER_NAMES).describe("Where the zone is hosted."),
    ...providerZoneFields,
    stacks: z
      .int()
      .min(1)
      .max(MAX_CUSTOMER_STACKS)
      .optional()
      .describe(
        "A key zone: how many stacks its customers' records are spread over, each customer's in the one its name hashes to. " +
          "Fixed for the zone's life: changing it would move records between stacks. @default 32",
      ),
    recordQuota: z
      .int()
      .min(1)
      .optional()
      .describe(
        "The most records the provider lets this zone hold, its SOA and NS included; a zone over it is refused before any plan. " +
          `@default ${providers.map((p) => `${p.title}: ${Number.isFinite(p.recordQuota.quota) ? p.recordQuota.quota : "none"}`).join(", ")}`,
      ),
  })
  .describe("A DNS zone that records are written into.");

const s3Backend = z
  .strictObject({
    bucket: z.string().min(1),
    region: z.string().min(1),
    keyPrefix: z.string().optional().describe("Prefix of each stack's state key. @default 'dkimctl/'"),
    dynamodbTable: z.string().optional().describe("Lock with DynamoDB instead of S3 lock files."),
  })
  .describe("Terraform S3 backend: one state object per stack, with locking.");

const cloudBackend = z
  .strictObject({
    organization: z.string().min(1),
    workspacePrefix: z.string().optional().describe("Prefix of each stack's workspace name. @default 'dkimctl-'"),
    hostname: z.string().optional().describe("@default 'app.terraform.io'"),
  })
  .describe("HCP Terraform / Terraform Cloud: one workspace per stack.");

const localStore = z
  .strictObject({ dir: z.string().min(1).optional().describe("Directory beside domains.yaml (or absolute). @default '.dkim/keys'") })
  .describe("Private keys as files on this machine (0700/0600); back it up, keep it out of git.");

const ageStore = z
  .strictObject({
    dir: z.string().min(1).describe("Directory beside domains.yaml for the encrypted keys (<dir>/<domain>/<selector>.pem.age); commit it."),
    recipients: z.array(z.string()).min(1).describe("Who can decrypt: age recipients (age1..., from age-keygen -y)."),
  })
  .describe("Private keys encrypted to age recipients, safe to commit: generating and rotating needs no secret.");

const secretsManagerStore = z
  .strictObject({
    region: z.string().min(1).describe("AWS region of the secrets."),
    project: z
      .string()
      .optional()
      .describe(
        "Required: the id that marks this project's secrets (tag dkimctl:project), the same in every clone; " +
          "dkimctl reads, adopts and deletes only secrets that carry it. 8 to 64 letters, digits, '.', '_' or '-', e.g. a random hex string.",
      ),
    prefix: z.string().optional().describe("Secret names are <prefix><domain>/<selector>: path segments ending in '/'. @default 'dkim/'"),
    kmsKeyId: z.string().optional().describe("KMS key that encrypts the secrets (id, ARN or alias/...). @default the account's aws/secretsmanager key"),
    tags: z.record(z.string(), z.string()).optional().describe("Tags added to every secret."),
  })
  .describe("One AWS Secrets Manager secret per key, created only if absent; credentials from the standard AWS chain.");

export const keyStoreSchema = z
  .strictObject({ local: localStore.optional(), age: ageStore.optional(), awsSecretsManager: secretsManagerStore.optional() })
  .describe("Where private keys live: exactly one of local, age or awsSecretsManager. @default { local: { dir: .dkim/keys } }");

export const configSchema = z
  .strictObject({
    version: z.literal(1).describe("Format version of this file."),
    defaults: z
      .strictObject({
        ttl: ttl.optional().describe("@default 3600"),
        key: keyAlgorithm.optional().describe("@default 'rsa-2048'"),
        rotation: rotationSchema.optional().describe("Rotation policy of domains that declare no selectors (or set rotation)."),
        dmarc: dmarcSchema.optional().describe("The DMARC record of every domain, unless the domain says otherwise."),
      })
      .optional(),
    backend: z
      .strictObject({ s3: s3Backend.optional(), cloud: cloudBackend.optional() })
      .optional()
      .describe("Where Terraform keeps state. @default local files"),
    keyStore: keyStoreSchema.optional(),
    zones: z.record(z.string(), zoneSchema).describe("The DNS zones records are written into, keyed by zone name."),
    domains: z.record(z.string(), domainSchema.nullable()).optional().describe("Sender domains, keyed by name."),
    customers: z
      .record(z.string(), customerGroupSchema)
      .optional()
      .describe("Signing-provider mode: customers' sender domains, keyed by the key zone their keys are published in."),
  })
  .describe("dkimctl domains.yaml: DKIM keys as infrastructure code.");

export type RawConfig = z.infer<typeof configSchema>;

/** configSchema as JSON Schema (draft 7): what the editors' schema and the generated shape check (config-shape.ts) are made from. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { target: "draft-7" });
}

/** The JSON Schema for editors (yaml-language-server). */
export function jsonSchema(): object {
  return {
    ...configJsonSchema(),
    // A provider's file may list customers only; one of the two is required (src/config/load.ts says so too).
    anyOf: [{ required: ["domains"] }, { required: ["customers"] }],
    $id: "https://dkimctl.dev/domains.schema.json",
    title: "dkimctl domains.yaml",
  };
}

/** Field names of the object schema reached by `path` (records skip a key), for "did you mean". */
export function knownFields(path: readonly (string | number)[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[String(key)];
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return [];
    if (schema === undefined) return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  while (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema.unwrap() as z.ZodType;
  // A union of a literal and a mapping (dmarc: false | {...}): the mapping's fields.
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).find((o) => o instanceof z.ZodObject) ?? schema;
  return schema;
}
