/**
 * DkimRecords in a cdktf app of one's own: a stack with its own backend,
 * provider and resources gets exactly the records `dkimctl records` lists
 * for the zone, under the logical ids of the bundled app, checked the same
 * way, without reading the key store; and it passes `terraform validate`.
 */
import { readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { type App, S3Backend, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { Zone as CloudflareZone } from "@cdktf/provider-cloudflare/lib/zone";
import { DkimRecords, type DkimRecordsProps, InputError, loadConfig } from "../constructs";
import { buildApp } from "../src/app";
import { describeError } from "../src/cli/report";
import { logicalId } from "../src/logical-id";
import { keyedProject, rewrite } from "./support/keyed-project";
import { dkimctl, tempDir } from "./support/project";
import { findSecrets, scanTree } from "./support/secrets";
import { requireTerraform, terraform } from "./support/terraform";

const ZONE_ID = "Z0123456789ABCDEFGHIJ";

const YAML = `version: 1
backend: { s3: { bucket: dkimctl-state, region: eu-west-1 } }
zones:
  example.com: { provider: route53, zoneId: ${ZONE_ID} }
  example.net: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      s1: {}
      e1: { key: ed25519, ttl: 600 }
      old: { txt: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", adopt: true }
  news.example.com:
    selectors:
      s1: { testing: true }
      del: { cname: del.dkim.provider.example }
  example.net:
    selectors:
      s1: { key: ed25519 }
  example.org:
    selectors:
      s1: {}
`;

interface Listed {
  zone: string;
  name: string;
  type: string;
  ttl: number;
  value: string;
  strings: string[];
}

let project: Awaited<ReturnType<typeof keyedProject>>;
let listed: Listed[];
/** The bundled app's stacks (src/app.ts), synthesized. */
let bundled: Record<string, any>;
beforeAll(async () => {
  project = await keyedProject(YAML);
  const r = await dkimctl("records", "--config", project.config, "--format", "json");
  expect([r.code, r.err]).toEqual([0, ""]);
  listed = JSON.parse(r.out);
  const app = buildApp(project.config, () => Testing.app({ outdir: tempDir() }));
  bundled = Object.fromEntries(
    app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => [s.node.id, JSON.parse(Testing.synth(s))]),
  );
});

/**
 * A team's own stack, as its main.ts would build it: its own S3 backend, its
 * own AWS provider (unless `provider: false`), a record of its own in the
 * zone, and then `dkim(stack)`.
 */
function userStack(dkim: (stack: TerraformStack) => void, opts: { provider?: boolean } = {}): { app: App; stack: TerraformStack } {
  const app = Testing.app({ outdir: tempDir() });
  const stack = new TerraformStack(app, "dns");
  new S3Backend(stack, { bucket: "acme-terraform", key: "dns.tfstate", region: "eu-central-1" });
  if (opts.provider !== false) new AwsProvider(stack, "aws", { region: "eu-central-1" });
  new Route53Record(stack, "www", { zoneId: ZONE_ID, name: "www.example.com", type: "A", ttl: 300, records: ["192.0.2.10"] });
  dkim(stack);
  return { app, stack };
}

const withDkim = (props: DkimRecordsProps, opts?: { provider?: boolean }) => userStack((stack) => new DkimRecords(stack, "dkim", props), opts);
/** Testing.synth with the validations `cdktf synth` runs. */
const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack, true));
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
};

test("a stack of one's own keeps its backend, provider and resources, and gets exactly the zone's records, under the bundled app's ids", () => {
  const { stack } = withDkim({ config: project.config, zone: "example.com" });
  const doc = synth(stack);
  const want = bundled["example-com"];
  const { www, ...dkim } = doc.resource.aws_route53_record;
  expect(www).toEqual({ zone_id: ZONE_ID, name: "www.example.com", type: "A", ttl: 300, records: ["192.0.2.10"] });
  expect(Object.keys(doc.resource)).toEqual(["aws_route53_record"]);
  // The same resources, import blocks (adopt) and listing of existing records as the bundled app's stack.
  expect(dkim).toEqual(want.resource.aws_route53_record);
  expect(doc.import).toEqual(want.import);
  expect(doc.data).toEqual(want.data);
  expect(doc.import).toHaveLength(1);
  expect(Object.keys(doc.data.aws_route53_records)).toEqual(["dkimctl_existing"]);
  // Exactly what `dkimctl records --format json` lists for the zone, each under the logical id of what it is.
  const zone = listed.filter((r) => r.zone === "example.com");
  expect(zone.map((r) => r.name)).toEqual([
    "del._domainkey.news.example.com",
    "e1._domainkey.example.com",
    "old._domainkey.example.com",
    "s1._domainkey.example.com",
    "s1._domainkey.news.example.com",
  ]);
  const records = stack.node.findAll().filter(DkimRecords.isDkimRecords)[0].records;
  expect(records.map((r) => r.name)).toEqual(zone.map((r) => r.name));
  expect(Object.keys(dkim).sort()).toEqual([
    "dkim_del__domainkey_news_example_com",
    "dkim_e1__domainkey_example_com",
    "dkim_old__domainkey_example_com",
    "dkim_s1__domainkey_example_com",
    "dkim_s1__domainkey_news_example_com",
  ]);
  for (const r of records)
    expect(dkim[logicalId(r)]).toEqual({
      zone_id: ZONE_ID,
      name: r.name,
      type: r.type,
      ttl: r.ttl,
      records: [r.type === "TXT" ? r.strings.join('""') : r.value],
    });
  // The stack's own provider and backend only: DkimRecords adds neither (domains.yaml's backend is the bundled app's).
  expect(doc.provider).toEqual({ aws: [{ region: "eu-central-1" }] });
  expect(doc.terraform.backend).toEqual({ s3: { bucket: "acme-terraform", key: "dns.tfstate", region: "eu-central-1" } });
});

test("without the key store, synth has no key material and terraform validate passes with the offline AWS provider", () => {
  requireTerraform();
  const pems = readdirSync(project.store, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => readFileSync(join(f.parentPath, f.name), "utf8"));
  expect(pems.length).toBe(5); // a count: a failure must not print the keys
  // DkimRecords reads domains.yaml and dkim.lock.yaml only: with the key store gone, nothing changes.
  const away = join(tempDir(), "keys");
  renameSync(project.store, away);
  // As `cdktf synth` runs the app: app.synth(), with its validations.
  const { app } = withDkim({ config: project.config, zone: "example.com" });
  const outdir = app.outdir;
  try {
    app.synth();
  } finally {
    renameSync(away, project.store);
  }
  expect(scanTree(outdir, pems)).toEqual([]);
  const dir = join(outdir, "stacks", "dns");
  const json = readFileSync(join(dir, "cdk.tf.json"), "utf8");
  expect(Object.keys(JSON.parse(json).resource.aws_route53_record)).toHaveLength(6);
  const run = (...args: string[]) => {
    const r = terraform(args, { cwd: dir });
    if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  run("init", "-backend=false", "-input=false", "-no-color");
  const validate = run("validate", "-no-color");
  expect(validate.stdout).toContain("Success! The configuration is valid.");
  expect(findSecrets(validate.stdout + validate.stderr, pems)).toEqual([]);
});

test("config: a Config from loadConfig, or by default $DKIMCTL_CONFIG, gives the same stack as the path", () => {
  const fromPath = Testing.synth(withDkim({ config: project.config, zone: "example.com" }).stack);
  expect(Testing.synth(withDkim({ config: loadConfig(project.config), zone: "example.com" }).stack)).toEqual(fromPath);
  const before = process.env.DKIMCTL_CONFIG;
  process.env.DKIMCTL_CONFIG = project.config;
  try {
    expect(Testing.synth(withDkim({ zone: "Example.COM." }).stack)).toEqual(fromPath);
  } finally {
    if (before === undefined) delete process.env.DKIMCTL_CONFIG;
    else process.env.DKIMCTL_CONFIG = before;
  }
});

test("a Cloudflare zone looked up by name and a Route53 zone with a zoneId prop: the bundled app's records, with that zone id", () => {
  const { stack } = userStack((s) => {
    new CloudflareProvider(s, "cloudflare", {});
    new DkimRecords(s, "org", { config: project.config, zone: "example.org" });
    new DkimRecords(s, "net", { config: project.config, zone: "example.net", zoneId: "Z0OVERRIDE" });
  });
  const doc = synth(stack);
  // Cloudflare: the zone looked up by name under an id of this construct, the record as in the bundled app.
  const lookups = Object.entries(doc.data.cloudflare_zone);
  expect(lookups).toHaveLength(1);
  const [lookupId, lookup] = lookups[0];
  expect(lookupId).toMatch(/^org_zone_/);
  expect(lookup).toEqual(bundled["example-org"].data.cloudflare_zone.zone);
  const org = bundled["example-org"].resource.cloudflare_dns_record;
  expect(Object.keys(org)).toEqual(["dkim_s1__domainkey_example_org"]);
  expect(doc.resource.cloudflare_dns_record).toEqual(
    Object.fromEntries(Object.entries(org).map(([id, r]) => [id, { ...(r as object), zone_id: `\${data.cloudflare_zone.${lookupId}.zone_id}` }])),
  );
  // Route53: the zoneId prop replaces the lookup by name.
  expect(doc.data.aws_route53_zone).toBeUndefined();
  expect(bundled["example-net"].data.aws_route53_zone).toBeDefined();
  const net = bundled["example-net"].resource.aws_route53_record;
  const { www: _www, ...dkim } = doc.resource.aws_route53_record;
  expect(dkim).toEqual(Object.fromEntries(Object.entries(net).map(([id, r]) => [id, { ...(r as object), zone_id: "Z0OVERRIDE" }])));
  expect(doc.data.aws_route53_records.dkimctl_existing.zone_id).toBe("Z0OVERRIDE");
});

test("a zone id from a resource: a reference in its own stack, cdktf's cross-stack output and remote state from another", () => {
  const outdir = tempDir();
  const app = Testing.app({ outdir });
  const zones = new TerraformStack(app, "zones");
  new CloudflareProvider(zones, "cloudflare", {});
  const zone = new CloudflareZone(zones, "org", { account: { id: "0123456789abcdef0123456789abcdef" }, name: "example.org" });
  new DkimRecords(zones, "dkim", { config: project.config, zone: "example.org", zoneId: zone.id });
  // Cloudflare has no listing of existing records: nothing but the records themselves refers to the zone in this stack.
  const dns = new TerraformStack(app, "dns");
  new CloudflareProvider(dns, "cloudflare", {});
  new DkimRecords(dns, "dkim", { config: project.config, zone: "example.org", zoneId: zone.id });
  app.synth();
  const stack = (name: string) => JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
  const [own, other] = [stack("zones"), stack("dns")];
  const zoneIds = (doc: any) => Object.values(doc.resource.cloudflare_dns_record).map((r: any) => r.zone_id);
  const records = Object.keys(bundled["example-org"].resource.cloudflare_dns_record);
  expect(zoneIds(own)).toEqual(records.map(() => "${cloudflare_zone.org.id}"));
  const [output] = Object.keys(own.output);
  const [remote] = Object.keys(other.data.terraform_remote_state);
  expect(zoneIds(other)).toEqual(records.map(() => `\${data.terraform_remote_state.${remote}.outputs.${output}}`));
  expect(own.output[output].value).toBe("${cloudflare_zone.org.id}");
});

test("HCL output is refused, naming the construct, rather than written without the records", () => {
  const { stack } = withDkim({ config: project.config, zone: "example.com" });
  expect(() => Testing.synthHcl(stack)).toThrow(
    "RecordBlocks 'dns/dkim/records': the DKIM records are written as Terraform JSON only: synthesize without --hcl",
  );
});

describe("invalid input: the InputError with the problems `dkimctl records` prints", () => {
  test.each([
    ["a typo in domains.yaml", YAML.replace("s1: { testing: true }", "s1: { testing: true, tll: 5 }"), "unknown field 'tll': did you mean 'ttl'?"],
    ["a selector with no key in the lock", YAML.replace("      s1: { key: ed25519 }", "      s1: { key: ed25519 }\n      s2: {}"), "has no key in"],
  ])("%s", async (_, yaml, message) => {
    rewrite(project.config, yaml);
    try {
      const e = thrown(() => withDkim({ config: project.config, zone: "example.com" }));
      const cli = await dkimctl("records", "--config", project.config, "--format", "json");
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).message).toContain(message);
      // The same problems; the CLI's hint repeats the --config it was given, which the construct has not.
      const said = describeError(e).replace("'npx dkimctl keys'", `'npx dkimctl keys --config ${project.config}'`);
      expect(cli).toEqual({ code: 1, out: "", err: `${said}\n` });
    } finally {
      rewrite(project.config, YAML);
    }
  });
});

test("a zone that is not in domains.yaml: an Error naming the zones there", () => {
  const zones = "its zones: example.com, example.net, example.org";
  expect(() => withDkim({ config: project.config, zone: "example.info" })).toThrow(
    `DkimRecords 'dns/dkim': example.info is not a zone in ${project.config} (${zones}): add it under 'zones:' with its provider, or give one of those`,
  );
  expect(() => withDkim({ config: project.config, zone: "news.example.com" })).toThrow(
    `DkimRecords 'dns/dkim': news.example.com is not a zone in ${project.config} (${zones}): ` +
      "news.example.com is a domain in zone example.com: give zone 'example.com'",
  );
  expect(() => withDkim({ config: project.config, zone: "not a zone" })).toThrow(`DkimRecords 'dns/dkim': zone 'not a zone' is not a host name`);
});

describe("the stack's provider", () => {
  test("a stack without one: cdktf synth fails and says what to add", () => {
    const { app } = withDkim({ config: project.config, zone: "example.com" }, { provider: false });
    expect(() => app.synth()).toThrow(
      "DkimRecords 'dns/dkim' writes the DKIM records of route53 zone example.com, but stack 'dns' has no AWS provider: " +
        'add an AWS provider to the stack, e.g. new AwsProvider(stack, "aws", { region: "us-east-1" }), ' +
        'with import { AwsProvider } from "@cdktf/provider-aws/lib/provider"',
    );
    const cloudflare = withDkim({ config: project.config, zone: "example.org" });
    expect(() => cloudflare.app.synth()).toThrow(
      "DkimRecords 'dns/dkim' writes the DKIM records of cloudflare zone example.org, but stack 'dns' has no Cloudflare provider: " +
        'add a Cloudflare provider to the stack, e.g. new CloudflareProvider(stack, "cloudflare", {}), ' +
        'with import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider"',
    );
  });

  test("declared after DkimRecords, it is found", () => {
    const { app, stack } = withDkim({ config: project.config, zone: "example.com" }, { provider: false });
    new AwsProvider(stack, "aws", { region: "eu-central-1" });
    expect(() => app.synth()).not.toThrow();
  });

  test("only with an alias: synth asks for it as 'provider'; given, every resource uses it", () => {
    const aliased = (s: TerraformStack) => new AwsProvider(s, "dns-account", { region: "us-east-1", alias: "dns" });
    const alone = userStack(
      (s) => {
        aliased(s);
        new DkimRecords(s, "dkim", { config: project.config, zone: "example.com" });
      },
      { provider: false },
    );
    expect(() => Testing.synth(alone.stack, true)).toThrow(
      "stack 'dns' has AWS providers only with an alias (aws.dns): pass the one to use as DkimRecords' 'provider', or add one without an alias",
    );
    const given = userStack((s) => new DkimRecords(s, "dkim", { config: project.config, zone: "example.com", provider: aliased(s) }), { provider: false });
    const doc = synth(given.stack);
    const { www: _www, ...dkim } = doc.resource.aws_route53_record;
    // The records, the listing of existing records, and the import block of the adopted record.
    const elements = [...Object.values(dkim), ...Object.values(doc.data.aws_route53_records), ...doc.import];
    expect(elements.map((r: any) => r.provider)).toEqual(Array(7).fill("aws.dns"));
    const lookup = userStack((s) => new DkimRecords(s, "dkim", { config: project.config, zone: "example.net", provider: aliased(s) }), { provider: false });
    expect(Object.values(synth(lookup.stack).data.aws_route53_zone).map((r: any) => r.provider)).toEqual(["aws.dns"]);
    expect(() => userStack((s) => new DkimRecords(s, "dkim", { config: project.config, zone: "example.org", provider: aliased(s) }))).toThrow(
      "DkimRecords 'dns/dkim': example.org is a cloudflare zone, but its 'provider' is one of type 'aws': give a Cloudflare provider",
    );
  });
});

test("one DkimRecords per zone, and one Route53 zone per stack", () => {
  const twice = () =>
    userStack((s) => {
      new DkimRecords(s, "a", { config: project.config, zone: "example.com" });
      new DkimRecords(s, "b", { config: project.config, zone: "example.com" });
    });
  expect(twice).toThrow("DkimRecords 'dns/b': the records of example.com are already in stack 'dns' (dns/a): add them once");
  const two = () =>
    userStack((s) => {
      new DkimRecords(s, "com", { config: project.config, zone: "example.com" });
      new DkimRecords(s, "net", { config: project.config, zone: "example.net" });
    });
  expect(two).toThrow("DkimRecords 'dns/net': stack 'dns' already holds the records of Route53 zone example.com (dns/com)");
  expect(two).toThrow("put example.net's DkimRecords in a stack of its own");
});
