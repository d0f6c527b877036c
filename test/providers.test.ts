/**
 * One table of record cases run on every DNS provider in the registry
 * (DNSControl's integration table, at synth level: no provider but Route53
 * can run here, and Route53 has its real-Terraform tests against moto). Each
 * provider's synthesized resources are checked against an expectations
 * entry written from that provider's documentation (cited), not from
 * dkimctl's output; then the resources, read back as a plan would show
 * them, are exactly the desired records (check-plan finds nothing: no drift).
 *
 * Adding a provider adds one entry to EXPECTATIONS (a Record over the
 * registry's names: a missing entry fails to compile).
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { checkPlan } from "../src/plan/check-plan";
import { type DesiredRecord, desiredRecords } from "../src/records";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "../src/providers";
import type { DnsProvider } from "../src/providers/provider";
import { zoneConstructs } from "../constructs/providers";
import { dkimctl, ROOT, tempProject } from "./support/project";

/** A record as the provider's documentation describes it, before any provider's form. */
interface DocRecord {
  readonly name: string;
  readonly type: "TXT" | "CNAME";
  readonly ttl: number;
  /** TXT: the value cut into character-strings of at most 255 bytes (RFC 1035 3.3), by this test. */
  readonly strings: readonly string[];
  /** CNAME: the target host. */
  readonly target?: string;
}

interface Expectations {
  /** The pages the entries below are written from. */
  readonly docs: readonly string[];
  /** A zone id of the documented shape. */
  readonly zoneId: string;
  /** The resource type of a record. */
  readonly recordType: string;
  /** The attributes the documentation gives a record's resource (a subset of what is synthesized). */
  record(r: DocRecord, zoneId: string): Record<string, unknown>;
  /** A zone looked up by name: the data source's type and arguments, and how a record refers to its id. */
  readonly lookup: {
    readonly type: string;
    arguments(zone: string): Record<string, unknown>;
    readonly zoneIdAttribute: string;
    /** The data source's attributes once Terraform read it (a plan's prior_state), for zone `zone` of id `id`. */
    state(zone: string, id: string): Record<string, unknown>;
  };
  /** `adopt`: the documented import id of a record, or refused in domains.yaml. */
  readonly adopt: ((zoneId: string, name: string, type: string) => string) | "refused";
  /** TTLs the provider documents as allowed, and refused. */
  readonly ttl: { readonly allowed: readonly number[]; readonly refused: readonly number[] };
}

const EXPECTATIONS: Record<ProviderName, Expectations> = {
  route53: {
    docs: [
      "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record",
      "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/route53_zone",
      "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html",
      "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
    ],
    zoneId: "Z0123456789ABCDEFGHIJ",
    recordType: "aws_route53_record",
    // zone_id, name, type, ttl; `records`: "A string list of records. To specify a single record value longer than 255 characters such as a
    // TXT record for DKIM, add \"\" inside the Terraform configuration string (e.g., "first255characters\"\"morecharacters")". Names of
    // internationalized domains in Punycode (DomainNameFormat).
    record: (r, zoneId) => ({
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
      arguments: (zone) => ({ name: zone, private_zone: false }),
      zoneIdAttribute: "zone_id",
      state: (zone, id) => ({ name: zone, zone_id: id, private_zone: false }),
    },
    // Import: "the ID of the record, record name, record type, and set identifier", e.g. Z4KAPRWWNC7JR_dev.example.com_NS (no set identifier
    // without a routing policy).
    adopt: (zoneId, name, type) => `${zoneId}_${name}_${type}`,
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
    zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
    recordType: "cloudflare_dns_record",
    // zone_id, name ("DNS record name (or @ for the zone apex) in Punycode"), type, ttl; TXT `content` "must consist of quoted 'character
    // strings' (RFC 1035), each with a length of up to 255 bytes"; a CNAME not proxied, or it would answer with Cloudflare's addresses.
    record: (r, zoneId) => ({
      zone_id: zoneId,
      name: r.name,
      type: r.type,
      ttl: r.ttl,
      ...(r.type === "TXT" ? { content: r.strings.map((s) => `"${s}"`).join(" ") } : { content: r.target, proxied: false }),
    }),
    // data "cloudflare_zone" with `filter.name`; its `zone_id`.
    // Read: `id` ("Identifier"), `zone_id`, `name` ("The domain name").
    lookup: {
      type: "cloudflare_zone",
      arguments: (zone) => ({ filter: { name: zone } }),
      zoneIdAttribute: "zone_id",
      state: (zone, id) => ({ id, zone_id: id, name: zone, filter: { name: zone } }),
    },
    // Import id <zone_id>/<dns_record_id>: the record's id is not known before it exists, so domains.yaml refuses `adopt` here.
    adopt: "refused",
    // "Setting to 1 means 'automatic'. Value must be between 60 and 86400, with the minimum reduced to 30 for Enterprise zones."
    ttl: { allowed: [1, 60, 300, 86400], refused: [0, 2, 30, 59, 86401, 2147483647] },
  },
};

const ZONE = "table.example";
const LOOKED_UP = "lookup.example";
const DELEGATED = "s1.domainkey.u1234.wl.sendgrid.net";
const PROVIDED = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/** The same domains in every provider's project (one lock serves all); `adopted` only where the provider can adopt. */
function yaml(provider: ProviderName, adopt: boolean, ttl = 300): string {
  return `version: 1
zones:
  ${ZONE}: { provider: ${provider}, zoneId: "${EXPECTATIONS[provider].zoneId}" }
  ${LOOKED_UP}: { provider: ${provider} }
domains:
  ${ZONE}:
    dmarc: { policy: reject, rua: [mailto:dmarc@${ZONE}] }
    selectors:
      short: { txt: "${PROVIDED}" }
      r2048: { key: rsa-2048 }
      r4096: { key: rsa-4096 }
      ed: { key: ed25519 }
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

beforeAll(async () => {
  let lock: string | undefined;
  for (const provider of PROVIDER_NAMES) {
    const adopt = EXPECTATIONS[provider].adopt !== "refused";
    const p = tempProject(yaml(provider, adopt));
    // One set of keys for every provider's project (the same domains): the RSA-4096 key is made once. Synth reads the lock only.
    if (lock) copyFileSync(lock, p.lock);
    else {
      expect(await dkimctl("keys", "--config", p.config)).toMatchObject({ code: 0 });
      lock = p.lock;
    }
    const app = buildApp(p.config, () => Testing.app());
    const stacks = Object.fromEntries(
      app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => [s.node.id, JSON.parse(Testing.synth(s))]),
    );
    synthesized.set(provider, { config: p.config, records: desiredRecords(loadConfig(p.config), Lock.read(p.lock)), stacks });
  }
}, 120_000);

/** The resource of the record named `name` in provider's output, with its address. */
function resourceOf(provider: ProviderName, name: string): { address: string; stack: any; attributes: Record<string, any> } {
  const { stacks } = synthesized.get(provider)!;
  const type = EXPECTATIONS[provider].recordType;
  const found = Object.values(stacks).flatMap((stack) =>
    Object.entries((stack.resource?.[type] ?? {}) as Record<string, Record<string, any>>)
      .filter(([, r]) => r.name === name)
      .map(([id, attributes]) => ({ address: `${type}.${id}`, stack, attributes })),
  );
  expect(found).toHaveLength(1);
  return found[0];
}

const table = PROVIDER_NAMES.flatMap((provider) => CASES.map((c) => ({ provider, ...c })));

describe.each(PROVIDER_NAMES)("%s", (provider) => {
  test.each(table.filter((t) => t.provider === provider))("$case: the resource the documentation describes", ({ name, strings: count }) => {
    const e = EXPECTATIONS[provider];
    const desired = synthesized.get(provider)!.records.find((r) => r.name === name)!;
    expect(desired).toBeDefined();
    const doc: DocRecord =
      desired.type === "CNAME"
        ? { name, type: "CNAME", ttl: desired.ttl, strings: [], target: DELEGATED }
        : { name, type: "TXT", ttl: desired.ttl, strings: strings(desired.value) };
    expect(doc.strings).toHaveLength(count);
    const { stack, attributes } = resourceOf(provider, name);
    if (name.endsWith(LOOKED_UP)) {
      const [lookup] = Object.values(stack.data[e.lookup.type] as Record<string, any>);
      expect(lookup).toMatchObject(e.lookup.arguments(LOOKED_UP));
      const token = attributes.zone_id as string;
      expect(token).toMatch(new RegExp(`^\\$\\{data\\.${e.lookup.type}\\.[A-Za-z0-9_]+\\.${e.lookup.zoneIdAttribute}\\}$`));
      expect(attributes).toMatchObject(e.record(doc, token));
    } else expect(attributes).toMatchObject(e.record(doc, e.zoneId));
  });

  test("adopt: an import block of the documented id, or refused where the provider has none", async () => {
    const e = EXPECTATIONS[provider];
    const name = `adopted._domainkey.${ZONE}`;
    if (e.adopt === "refused") {
      const p = tempProject(yaml(provider, true));
      const r = await dkimctl("validate", "--config", p.config);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`domains/${ZONE.replace(/\./g, "\\.")}/selectors/adopted/adopt: 'adopt' works in .* zones only; `));
      return;
    }
    const { address, stack } = resourceOf(provider, name);
    expect(stack.import).toEqual([{ id: e.adopt(e.zoneId, name, "TXT"), to: address }]);
  });

  test("TTLs: the documented ones are accepted, the others refused at the selector", async () => {
    const e = EXPECTATIONS[provider];
    const p = tempProject(yaml(provider, false));
    const lock = readFileSync(join(synthesized.get(provider)!.config, "..", "dkim.lock.yaml"), "utf8");
    writeFileSync(p.lock, lock);
    for (const ttl of [...e.ttl.allowed, ...e.ttl.refused]) {
      writeFileSync(p.config, yaml(provider, false, ttl));
      const r = await dkimctl("validate", "--config", p.config);
      expect({ ttl, code: r.code }).toEqual({ ttl, code: e.ttl.allowed.includes(ttl) ? 0 : 1 });
      if (r.code) expect(r.err).toContain(`selectors/del/ttl: TTL ${ttl} is not allowed`);
    }
  });

  test("read back as a plan shows them, the resources are exactly the desired records (no drift)", () => {
    const { config, stacks } = synthesized.get(provider)!;
    const e = EXPECTATIONS[provider];
    const type = e.recordType;
    // The look-up by name, as Terraform reads it during the plan: the records' zone id is the id it found.
    const lookedUpId = e.zoneId.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    const lookups: object[] = [];
    const changes = Object.values(stacks).flatMap((stack) =>
      Object.entries((stack.resource?.[type] ?? {}) as Record<string, Record<string, unknown>>).map(([id, r]) => {
        const { "//": _, provider: __, ...after } = r;
        const token = /^\$\{(data\.[^.]+\.[^.]+)\.[a-z_]+\}$/.exec(String(after.zone_id));
        if (token) {
          after.zone_id = lookedUpId;
          lookups.push({ address: token[1], mode: "data", type: e.lookup.type, values: e.lookup.state(LOOKED_UP, lookedUpId) });
        }
        return { address: `${type}.${id}`, mode: "managed", type, change: { actions: ["create"], before: null, after, after_unknown: {} } };
      }),
    );
    expect(changes).toHaveLength(synthesized.get(provider)!.records.length);
    expect(lookups).toHaveLength(1);
    const loaded = loadConfig(config);
    const plan = { format_version: "1.2", resource_changes: changes, prior_state: { values: { root_module: { resources: lookups } } } };
    expect(checkPlan(plan, loaded, Lock.read(loaded.lockFile))).toEqual([]);
    // The check is real: without the look-up, the looked-up zone's id cannot be confirmed.
    expect(checkPlan({ ...plan, prior_state: undefined }, loaded, Lock.read(loaded.lockFile))).toEqual([
      expect.objectContaining({ name: `s1._domainkey.${LOOKED_UP}`, severity: "error" }),
    ]);
  });
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
      const zone = { name: "x.example", provider: name, options: {}, position: { file: "d.yaml", line: 1, col: 1 } };
      expect({ name, lists: zoneConstructs(zone).listExisting !== undefined }).toEqual({ name, lists: p.existingRecords.can });
    }
  });

  test("each provider writes TXT strings so that it reads them back, also with quotes and backslashes", () => {
    const cases = [[""], ["v=DKIM1; p="], ["a".repeat(255), "b".repeat(255), "c"], ['say "hi"', "back\\slash"]];
    for (const [name, p] of providers) for (const s of cases) expect({ name, s: p.txt.read(p.txt.write(s)) }).toEqual({ name, s });
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
