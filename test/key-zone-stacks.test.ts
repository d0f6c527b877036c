/**
 * A key zone's records over stacks of bounded size, each customer's in the
 * stack its name hashes to, and a zone over its provider's record quota
 * refused before any plan, with every zone's problem at once and nothing
 * written.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../src/config/load";
import { bucketOf, customerStackName, stackOf, zoneStackNames } from "../src/config/zone-stacks";
import { dkimctl, synthApp, tempDir, tempProject } from "./support/project";

test("a customer's stack depends on its name and the zone's stacks alone, the same in every version", () => {
  // The last 32 bits of SHA-256 of the name, modulo stacks: printf %s example.com | sha256sum ends in ...86ce1947, 0x86ce1947 % 32 = 7.
  expect([bucketOf("example.com", 32), bucketOf("xn--bcher-kva.example", 32), bucketOf("customer-1.example", 32)]).toEqual([7, 22, 20]);
  const zone = { name: "keys.example.net", stacks: 32 };
  expect(stackOf(zone, "example.com")).toBe("keys-example-net-07");
  expect(stackOf(zone, undefined)).toBe("keys-example-net");
  expect(stackOf({ name: "keys.example.net" }, "example.com")).toBe("keys-example-net");
  expect(zoneStackNames({ name: "keys.example.net", stacks: 3 })).toEqual([
    "keys-example-net",
    "keys-example-net-00",
    "keys-example-net-01",
    "keys-example-net-02",
  ]);
  expect(customerStackName("keys.example.net", 99)).toBe("keys-example-net-99");
});

test("a full Route53 key zone (10,000 records, two slots a customer) spreads into 32 stacks of at most 400 records", () => {
  const sizes = new Array<number>(32).fill(0);
  for (let i = 0; i < 4999; i++) sizes[bucketOf(`customer-${i}.example`, 32)] += 2;
  expect(Math.max(...sizes)).toBeLessThanOrEqual(400);
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(230);
});

test("zones whose stacks would share a name are refused at the zone", () => {
  const yaml = "version: 1\nzones:\n  keys.example: { provider: route53, stacks: 4 }\n  keys.example-01: { provider: route53 }\ndomains: {}\n";
  expect(() => parseConfig("domains.yaml", yaml)).toThrow(
    "domains.yaml:4:3: zones/keys.example-01: zones keys.example and keys.example-01 would both have a stack 'keys-example-01'",
  );
});

test("each provider's record quota is the default, and recordQuota overrides it", () => {
  const yaml = `version: 1
zones:
  a.example: { provider: route53 }
  b.example: { provider: cloudflare }
  c.example: { provider: route53, recordQuota: 20000 }
domains: {}
`;
  expect(parseConfig("domains.yaml", yaml).zones.map((z) => [z.name, z.recordQuota])).toEqual([
    ["a.example", 10_000],
    ["b.example", 1_000],
    ["c.example", 20_000],
  ]);
});

describe("a zone over its record quota", () => {
  const yaml = `version: 1
zones:
  example.com: { provider: route53, recordQuota: 3 }
  example.org:
    provider: cloudflare
    recordQuota: 4
  example.net: { provider: route53, recordQuota: 4 }
domains:
  example.com:
    selectors:
      a: { cname: a.esp.example }
      b: { cname: b.esp.example }
  example.org:
    selectors:
      a: { cname: a.esp.example }
      b: { cname: b.esp.example }
      c: { cname: c.esp.example }
  example.net:
    selectors:
      a: { cname: a.esp.example }
      b: { cname: b.esp.example }
`;
  const expected = [
    "domains.yaml:3:3: zones/example.com: would hold 4 records (2 of dkimctl's, and its SOA and NS), 1 over its quota of 3: " +
      "put some of its customers (or domains) in a second zone, " +
      "or have AWS raise it ('Records per hosted zone' in Service Quotas, us-east-1) and set 'recordQuota' on the zone to the new quota",
    "domains.yaml:4:3: zones/example.org: would hold 5 records (3 of dkimctl's, and its SOA and NS), 1 over its quota of 4: " +
      "put some of its customers (or domains) in a second zone, " +
      "or find your plan's quota (Pro and above: 3,500) or have Cloudflare raise it and set 'recordQuota' on the zone to the new quota",
  ];

  test("is refused by validate, records and stacks, every such zone at once with what to do, at the zone in domains.yaml", async () => {
    const p = tempProject(yaml);
    for (const command of ["validate", "records", "stacks"]) {
      const r = await dkimctl(command, "--config", p.config);
      expect({ command, code: r.code }).toEqual({ command, code: 1 });
      const lines = r.err.split("\n").map((l) => l.replace(p.config, "domains.yaml"));
      expect(lines.filter((l) => l.includes("quota"))).toEqual(expected);
      expect(r.err).toMatch(/2 problems found; nothing was changed/);
      expect(r.out).toBe("");
    }
  });

  test("synth writes nothing", () => {
    const p = tempProject(yaml);
    const out = join(tempDir(), "cdktf.out");
    const r = synthApp(p.config, out);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(expected[0].replace("domains.yaml", p.config));
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
