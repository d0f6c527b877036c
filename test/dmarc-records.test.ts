/**
 * DMARC records and a parked domain's DKIM null record through every
 * consumer of the desired records: `dkimctl records` (all formats), synth
 * (Route53 and Cloudflare, stable logical ids) and the stacks a change touches.
 */
import { Testing, type TerraformStack } from "cdktf";
import { buildApp } from "../src/app";
import { loadConfig, parseConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { changedStacks, stackContents } from "../src/stacks";
import { keyedProject } from "./support/keyed-project";
import { dkimctl } from "./support/project";

const YAML = `version: 1
defaults:
  dmarc: { policy: none, rua: [mailto:dmarc@example.com] }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
  dkim-only.example: { provider: route53, zoneId: Z0DKIMONLY }
domains:
  example.com:
    dmarc: { policy: reject, subdomainPolicy: quarantine, adkim: strict, rua: [mailto:dmarc@example.com, mailto:x@reports.example.net] }
    spf: { include: [_spf.esp.example], ip4: [192.0.2.0/24] }
    selectors: { s1: { key: ed25519 } }
  news.example.com: { dmarc: false, selectors: { s1: { key: ed25519 } } }
  parked.example.org: { parked: true }
  dkim-only.example: { dmarc: false, selectors: { s1: { key: ed25519 } } }
`;

const DMARC_COM = "v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:dmarc@example.com,mailto:x@reports.example.net";
const DMARC_PARKED = "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@example.com";

let p: Awaited<ReturnType<typeof keyedProject>>;
beforeAll(async () => {
  p = await keyedProject(YAML);
});

test("records says which DMARC record governs each sender domain: its own, its organizational domain's sp=, or none here", async () => {
  const table = (await dkimctl("records", "--config", p.config)).out;
  expect(table.slice(table.indexOf("\nDMARC policy"))).toBe(
    [
      "",
      "DMARC policy of each sender domain (RFC 7489 6.6.3):",
      "  dkim-only.example: no record here governs it (neither its own nor its organizational domain's): 'dkimctl verify' says what DNS has",
      "  example.com: p=reject, its own _dmarc.example.com",
      "  news.example.com: sp=quarantine of _dmarc.example.com, its organizational domain",
      "",
    ].join("\n"),
  );
  const md = (await dkimctl("records", "--config", p.config, "--format", "markdown")).out;
  expect(md).toContain("- `news.example.com`: sp=quarantine of _dmarc.example.com, its organizational domain");
  expect((await dkimctl("records", "--config", p.config, "--format", "json")).out).not.toContain("DMARC policy");
});

test("records prints the DMARC and null records beside the DKIM ones, in every format; never SPF", async () => {
  const json = JSON.parse((await dkimctl("records", "--config", p.config, "--format", "json")).out) as { kind: string; name: string; value: string }[];
  expect(json.map((r) => [r.kind, r.name])).toEqual([
    ["dkim", "s1._domainkey.dkim-only.example"],
    ["dmarc", "_dmarc.example.com"],
    ["dkim", "s1._domainkey.example.com"],
    ["dkim", "s1._domainkey.news.example.com"],
    ["dmarc", "_dmarc.parked.example.org"],
    ["dkim", "*._domainkey.parked.example.org"],
  ]);
  expect(json.find((r) => r.name === "_dmarc.example.com")!.value).toBe(DMARC_COM);
  const zone = (await dkimctl("records", "--config", p.config, "--format", "zone")).out;
  expect(zone).toContain(`_dmarc.example.com. 3600 IN TXT "${DMARC_COM}"`);
  expect(zone).toContain(`_dmarc.parked.example.org. 3600 IN TXT "${DMARC_PARKED}"`);
  expect(zone).toContain('*._domainkey.parked.example.org. 3600 IN TXT "v=DKIM1; p="');
  for (const format of ["table", "markdown"]) {
    const out = (await dkimctl("records", "--config", p.config, "--format", format)).out;
    expect(out).toContain(DMARC_COM);
    expect(out).toContain("*._domainkey.parked.example.org");
  }
  expect(zone).not.toMatch(/spf1/);
});

function synth(): Record<string, { resource?: Record<string, Record<string, Record<string, unknown>>>; data?: Record<string, Record<string, unknown>> }> {
  const app = buildApp(p.config, () => Testing.app());
  const stacks = app.node.children.filter((c): c is TerraformStack => "toTerraform" in c);
  return Object.fromEntries(stacks.map((s) => [s.node.id, JSON.parse(Testing.synth(s))]));
}

test("synth: DMARC records as dmarc_<domain>, the null record as dkim__wildcard_..., DKIM logical ids unchanged", () => {
  const stacks = synth();
  const route53 = stacks["example-com"].resource!.aws_route53_record;
  expect(Object.keys(route53).sort()).toEqual(["dkim_s1__domainkey_example_com", "dkim_s1__domainkey_news_example_com", "dmarc_example_com"]);
  expect(route53.dmarc_example_com).toEqual({ name: "_dmarc.example.com", type: "TXT", ttl: 3600, records: [DMARC_COM], zone_id: "Z0123456789ABCDEFGHIJ" });
  // A zone with DMARC records lists its existing _dmarc records too, so that check-plan can refuse to create over one.
  expect(stacks["example-com"].data!.aws_route53_records.dkimctl_existing).toMatchObject({ name_regex: "_domainkey|^_dmarc\\." });
  // A zone without: the listing, and so the whole stack, is as it was before DMARC existed.
  expect(stacks["dkim-only-example"].data!.aws_route53_records.dkimctl_existing).toEqual({ name_regex: "_domainkey", zone_id: "Z0DKIMONLY" });
  const cloudflare = stacks["example-org"].resource!.cloudflare_dns_record;
  expect(cloudflare).toEqual({
    dmarc_parked_example_org: expect.objectContaining({
      name: "_dmarc.parked.example.org",
      content: `"${DMARC_PARKED}"`,
      comment: "dkimctl: DMARC record of parked.example.org",
    }),
    dkim__wildcard__domainkey_parked_example_org: expect.objectContaining({ name: "*._domainkey.parked.example.org", content: '"v=DKIM1; p="' }),
  });
});

test("stacks: a change of DMARC alone lists the zone's stack, and only it", () => {
  const lock = Lock.read(p.lock);
  const base = stackContents(loadConfig(p.config), lock);
  const edited = parseConfig(p.config, YAML.replace("policy: reject, subdomainPolicy: quarantine", "policy: quarantine, subdomainPolicy: quarantine"));
  expect(changedStacks(base, stackContents(edited, lock)).map((s) => [s.stack, s.reason])).toEqual([["example-com", "1 record changed"]]);
  const unparked = parseConfig(p.config, YAML.replace("parked.example.org: { parked: true }", "parked.example.org: { dmarc: { policy: reject } }"));
  expect(changedStacks(base, stackContents(unparked, lock)).map((s) => [s.stack, s.reason])).toEqual([["example-org", "1 record changed, 1 record removed"]]);
});
