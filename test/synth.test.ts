/** Synthesized Terraform, checked with cdktf's Testing matchers for both providers. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing, TerraformStack } from "cdktf";
import "cdktf/lib/testing/adapters/jest"; // types of the Testing matchers
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import { DataCloudflareZone } from "@cdktf/provider-cloudflare/lib/data-cloudflare-zone";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { desiredRecords } from "../src/records";
import { keyedProject, rewrite } from "./support/keyed-project";
import { synthApp, tempDir } from "./support/project";

Testing.setupJest();

const YAML = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.net: { provider: route53 }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
  example.info: { provider: cloudflare }
  empty.example: { provider: route53 }
domains:
  example.com:
    selectors:
      s1: {}
      e1: { key: ed25519, ttl: 600 }
  news.example.com:
    selectors:
      s1: { testing: true }
  example.net:
    selectors:
      s1: { key: rsa-1024 }
  example.org:
    selectors:
      s1: { cname: s1.domainkey.u1234.wl.sendgrid.net }
      e1: { key: ed25519 }
  example.info:
    selectors:
      s1: {}
`;

function stacks(configFile: string): Record<string, string> {
  const app = buildApp(configFile, () => Testing.app());
  return Object.fromEntries(app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => [s.node.id, Testing.synth(s)]));
}

let project: Awaited<ReturnType<typeof keyedProject>>;
let synthesized: Record<string, string>;
let records: ReturnType<typeof desiredRecords>;
beforeAll(async () => {
  project = await keyedProject(YAML);
  synthesized = stacks(project.config);
  records = desiredRecords(loadConfig(project.config), Lock.read(project.lock));
});

const rec = (name: string) => records.find((r) => r.name === name)!;

test("one stack per zone, named from the zone, each with only its zone's records", () => {
  expect(Object.keys(synthesized).sort()).toEqual(["empty-example", "example-com", "example-info", "example-net", "example-org"]);
  const names = (stack: string) =>
    Object.values(JSON.parse(synthesized[stack]).resource ?? {})
      .flatMap((byId) => Object.values(byId as object).map((r) => (r as { name: string }).name))
      .sort();
  expect(names("example-com")).toEqual(["e1._domainkey.example.com", "s1._domainkey.example.com", "s1._domainkey.news.example.com"]);
  expect(names("example-org")).toEqual(["e1._domainkey.example.org", "s1._domainkey.example.org"]);
  expect(names("empty-example")).toEqual([]);
  expect(synthesized["empty-example"]).toHaveProvider(AwsProvider);
  expect(synthesized["empty-example"]).not.toHaveDataSource(DataAwsRoute53Zone);
});

test('Route53: long TXT values are one record value with strings joined by ""', () => {
  const r = rec("s1._domainkey.example.com");
  expect(r.strings).toHaveLength(2);
  expect(synthesized["example-com"]).toHaveResourceWithProperties(Route53Record, {
    zone_id: "Z0123456789ABCDEFGHIJ",
    name: "s1._domainkey.example.com",
    type: "TXT",
    ttl: 3600,
    records: [`${r.strings[0]}""${r.strings[1]}`],
  });
  expect(synthesized["example-com"]).toHaveResourceWithProperties(Route53Record, {
    name: "e1._domainkey.example.com",
    ttl: 600,
    records: [rec("e1._domainkey.example.com").value],
  });
  expect(rec("s1._domainkey.news.example.com").value).toMatch(/^v=DKIM1; k=rsa; t=y; p=/);
  expect(synthesized["example-com"]).not.toHaveDataSource(DataAwsRoute53Zone);
  expect(synthesized["example-com"]).toHaveProviderWithProperties(AwsProvider, { region: "us-east-1" });
});

test("Route53: a zone without zoneId is looked up by name (public zone)", () => {
  expect(synthesized["example-net"]).toHaveDataSourceWithProperties(DataAwsRoute53Zone, { name: "example.net", private_zone: false });
  expect(synthesized["example-net"]).toHaveResourceWithProperties(Route53Record, {
    zone_id: "${data.aws_route53_zone.zone.zone_id}",
    name: "s1._domainkey.example.net",
  });
});

test("Cloudflare: content pre-split and quoted, CNAME never proxied, zone looked up by name when needed", () => {
  const e1 = rec("e1._domainkey.example.org");
  expect(synthesized["example-org"]).toHaveResourceWithProperties(DnsRecord, {
    zone_id: "023e105f4ecef8ad9ca31a8372d0c353",
    name: "e1._domainkey.example.org",
    type: "TXT",
    ttl: 3600,
    content: `"${e1.value}"`,
  });
  expect(synthesized["example-org"]).toHaveResourceWithProperties(DnsRecord, {
    name: "s1._domainkey.example.org",
    type: "CNAME",
    content: "s1.domainkey.u1234.wl.sendgrid.net",
    proxied: false,
  });
  const info = rec("s1._domainkey.example.info");
  expect(synthesized["example-info"]).toHaveResourceWithProperties(DnsRecord, {
    content: `"${info.strings[0]}" "${info.strings[1]}"`,
    zone_id: "${data.cloudflare_zone.zone.zone_id}",
  });
  expect(synthesized["example-info"]).toHaveDataSourceWithProperties(DataCloudflareZone, { filter: { name: "example.info" } });
});

test("Cloudflare output fits the provider's typed bindings and documented rules", () => {
  const doc = JSON.parse(synthesized["example-info"]);
  expect(doc.terraform.required_providers.cloudflare).toEqual({ source: "cloudflare/cloudflare", version: "5.14.0" });
  for (const r of Object.values(doc.resource.cloudflare_dns_record) as Record<string, unknown>[]) {
    // Required by the binding (DnsRecordConfig): name, ttl, type, zone_id.
    expect(Object.keys(r)).toEqual(expect.arrayContaining(["name", "ttl", "type", "zone_id"]));
    // Documented: TTL 1 (automatic) or 60..86400; content of a TXT record at most 2048 characters on non-enterprise plans... each string <= 255.
    expect(r.ttl === 1 || ((r.ttl as number) >= 60 && (r.ttl as number) <= 86400)).toBe(true);
    for (const s of (r.content as string).match(/"[^"]*"/g)!) expect(s.length - 2).toBeLessThanOrEqual(255);
  }
});

test("reordering domains.yaml changes nothing in the synthesized stacks", () => {
  const lines = YAML.split("\n");
  const start = lines.indexOf("domains:");
  // Reverse the order of the domains and of each domain's selectors.
  const blocks: string[][] = [];
  for (const line of lines.slice(start + 1).filter((l) => l)) {
    if (/^ {2}\S/.test(line)) blocks.push([line]);
    else blocks[blocks.length - 1].push(line);
  }
  const reordered = `${[...lines.slice(0, start + 1), ...blocks.reverse().flatMap(([d, s, ...sels]) => [d, s, ...sels.reverse()])].join("\n")}\n`;
  expect(reordered).not.toBe(YAML);
  rewrite(project.config, reordered);
  try {
    expect(stacks(project.config)).toEqual(synthesized);
  } finally {
    rewrite(project.config, YAML);
  }
});

test("backends: S3 with one state key per stack and locking; HCP Terraform with a workspace per stack", () => {
  rewrite(project.config, YAML.replace("zones:", "backend: { s3: { bucket: tf-state, region: eu-west-1 } }\nzones:"));
  const s3 = JSON.parse(stacks(project.config)["example-com"]).terraform.backend.s3;
  expect(s3).toEqual({ bucket: "tf-state", region: "eu-west-1", key: "dkimctl/example-com.tfstate", encrypt: true, use_lockfile: true });
  rewrite(project.config, YAML.replace("zones:", "backend: { cloud: { organization: acme } }\nzones:"));
  const cloud = JSON.parse(stacks(project.config)["example-org"]).terraform.cloud;
  expect(cloud).toEqual({ organization: "acme", workspaces: { name: "dkimctl-example-org" } });
  rewrite(project.config, YAML);
});

describe("main.ts, as cdktf synth runs it", () => {
  test("honours DKIMCTL_CONFIG and CDKTF_OUTDIR", () => {
    const out = tempDir();
    const r = synthApp(project.config, out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, "stacks")).sort()).toEqual(["empty-example", "example-com", "example-info", "example-net", "example-org"]);
    const json = JSON.parse(readFileSync(join(out, "stacks", "example-com", "cdk.tf.json"), "utf8"));
    expect(json.resource.aws_route53_record.dkim_s1__domainkey_example_com.name).toBe("s1._domainkey.example.com");
  });

  test("invalid input: exit 1, problems with line and column, no stack trace, no stack written", () => {
    rewrite(project.config, YAML.replace("s1: { testing: true }", "s1: { testing: true, tll: 5 }"));
    const out = tempDir();
    const r = synthApp(project.config, out);
    rewrite(project.config, YAML);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${project.config}:15:28: domains/news.example.com/selectors/s1/tll: unknown field 'tll': did you mean 'ttl'?\n1 problem found; nothing was changed.\n`,
    );
    expect(existsSync(join(out, "stacks"))).toBe(false);
  });

  test("a generated selector missing from the lock fails synth, naming it and the fix", () => {
    rewrite(project.config, YAML.replace("      s1: { key: rsa-1024 }", "      s1: { key: rsa-1024 }\n      s2: {}"));
    const r = synthApp(project.config, tempDir());
    rewrite(project.config, YAML);
    expect(r.code).toBe(1);
    expect(r.err).toContain("domains/example.net/selectors/s2: has no key in");
    expect(r.err).toContain("run 'npx dkimctl keys'");
  });
});
