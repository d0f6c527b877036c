/**
 * Bad input gets a clear error: each problem as FILE:LINE:COL: path: message,
 * all of them at once.
 */
import { parseConfig } from "../src/config/load";
import { InputError, type Problem } from "../src/config/problems";

function problemsOf(text: string): Problem[] {
  try {
    parseConfig("domains.yaml", text);
  } catch (e) {
    if (e instanceof InputError) return [...e.problems];
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

function only(text: string): Problem {
  const ps = problemsOf(text);
  expect(ps).toHaveLength(1);
  return ps[0];
}

const ZONES = `version: 1
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
`;

describe("rejected input names its line and column", () => {
  test("YAML syntax error", () => {
    const p = only(`version: 1\nzones: { example.com: { provider: route53 }\ndomains: {}\n`);
    expect(p.line).toBeGreaterThanOrEqual(2);
    expect(p.message).toMatch(/^YAML syntax error/);
  });

  test("duplicate keys", () => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: {}\n      s1: {}\n`);
    expect([p.line, p.col]).toEqual([9, 7]);
    expect(p.message).toMatch(/duplicate key.*merge/);
  });

  test("unknown field with a did-you-mean", () => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: { ttll: 300 }\n`);
    expect([p.line, p.col, p.path]).toEqual([8, 13, "domains/example.com/selectors/s1/ttll"]);
    expect(p.message).toBe("unknown field 'ttll': did you mean 'ttl'?");
  });

  test("unknown field far from any known one lists the known fields", () => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: { banana: 1 }\n`);
    expect(p.message).toMatch(/unknown field 'banana': known fields here: key, txt, cname, ttl, testing, note/);
  });

  test("misspelled top-level section", () => {
    const ps = problemsOf(`version: 1\nzones: {}\ndomain: {}\n`);
    expect(ps.map((p) => [p.line, p.col, p.message])).toEqual([
      [1, 1, "'domains' is missing: add it (a mapping)"],
      [3, 1, "unknown field 'domain': did you mean 'domains'?"],
    ]);
  });

  test("wrong types", () => {
    const ps = problemsOf(`${ZONES}  example.com:\n    selectors:\n      s1: { ttl: "300", testing: "yes" }\n`);
    expect(ps.map((p) => [p.line, p.col, p.path, p.message])).toEqual([
      [8, 18, "domains/example.com/selectors/s1/ttl", 'expected a number, found the string "300"'],
      [
        8,
        34,
        "domains/example.com/selectors/s1/testing",
        'expected true or false, found the string "yes": use true or false (YAML 1.2 reads yes, no, on, off as strings)',
      ],
    ]);
  });

  test("a fractional TTL", () => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: { ttl: 1.5 }\n`);
    expect(p.message).toMatch(/expected a whole number|expected a int/);
  });

  test.each([
    ["exa mple.com", /not a host name/],
    ["-bad.example.com", /invalid label '-bad'/],
    ["a..example.com", /empty label/],
    [`${"a".repeat(64)}.example.com`, /label of 64 octets/],
    ["under_score.example.com", /not a host name/],
  ])("invalid domain name %s", (name, why) => {
    const p = only(`${ZONES}  "${name}":\n    selectors:\n      s1: {}\n`);
    expect([p.line, p.col]).toEqual([6, 3]);
    expect(p.message).toMatch(why);
  });

  test("a domain name longer than 253 octets", () => {
    const long = `${Array.from({ length: 5 }, () => "a".repeat(60)).join(".")}.example.com`;
    const p = only(`${ZONES}  ${long}:\n    selectors:\n      s1: {}\n`);
    expect(p.message).toMatch(/octets long; a DNS name has at most 253/);
  });

  test.each([
    ["s_1", /letters, digits and hyphens/],
    ["-s1", /letters, digits and hyphens/],
    ["s1-", /letters, digits and hyphens/],
    ["a..b", /empty label/],
    ["x".repeat(64), /label of 64 octets/],
  ])("invalid selector %s (RFC 6376 3.1)", (sel, why) => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      "${sel}": {}\n`);
    // A key that is not shaped like a name shows only as an excerpt in the path.
    const shown = sel.length > 63 ? `${sel.slice(0, 24)}…` : sel;
    expect([p.line, p.col, p.path]).toEqual([8, 7, `domains/example.com/selectors/${shown}`]);
    expect(p.message).toMatch(why);
  });

  test("a record name longer than 253 octets", () => {
    const domain = `${Array.from({ length: 3 }, () => "d".repeat(63)).join(".")}.example.com`;
    const sel = "s".repeat(50);
    const p = only(`${ZONES}  ${domain}:\n    selectors:\n      ${sel}: {}\n`);
    expect(p.message).toMatch(/record name .* octets; DNS allows 253: use a shorter selector/);
  });

  test("a domain under no declared zone", () => {
    const p = only(`${ZONES}  example.net:\n    selectors:\n      s1: {}\n`);
    expect([p.line, p.col]).toEqual([6, 3]);
    expect(p.message).toBe(
      "example.net is under no zone in 'zones' (zones: example.com, example.org): add the zone that holds example.net to 'zones', or fix the name",
    );
  });

  test("zone ids of the wrong shape for their provider", () => {
    const ps = problemsOf(`version: 1
zones:
  example.com: { provider: route53, zoneId: z0123abc }
  example.org: { provider: cloudflare, zoneId: 023E105F4ECEF8AD9CA31A8372D0C353 }
  example.net: { provider: route53, zoneId: ${"A".repeat(33)} }
domains: {}
`);
    expect(ps.map((p) => [p.line, p.col])).toEqual([
      [3, 45],
      [4, 48],
      [5, 45],
    ]);
    expect(ps[0].message).toMatch(/^'z0123abc' is not a route53 zone id: .*up to 32 upper-case letters and digits/);
    expect(ps[1].message).toMatch(/not a cloudflare zone id: .*32 lower-case hex/);
    expect(ps[2].message).toMatch(/not a route53 zone id/);
  });

  test("Route53 zone ids as AWS, LocalStack and moto issue them, up to 32 upper-case letters and digits", () => {
    const ids = ["Z0123456789ABCDEFGHIJ", "AQTSO4NTGMFBP4V554K73K", "AMWURN8530ZJ4PJQB2FA7Y", "A".repeat(32), "7"];
    const zones = ids.map((id, i) => `  z${i}.example: { provider: route53, zoneId: "${id}" }`).join("\n");
    const c = parseConfig("d.yaml", `version: 1\nzones:\n${zones}\ndomains: {}\n`);
    expect(c.zones.map((z) => z.zoneId)).toEqual(ids);
    expect(c.warnings).toEqual([]);
  });

  test("a pasted '/hostedzone/' prefix is stripped with a warning at the zone id", () => {
    const c = parseConfig(
      "d.yaml",
      `version: 1
zones:
  example.com: { provider: route53, zoneId: /hostedzone/AQTSO4NTGMFBP4V554K73K }
  example.net: { provider: route53, zoneId: hostedzone/Z0123456789ABCDEFGHIJ }
domains: {}
`,
    );
    expect(c.zones.map((z) => z.zoneId)).toEqual(["AQTSO4NTGMFBP4V554K73K", "Z0123456789ABCDEFGHIJ"]);
    expect(c.warnings).toEqual([
      "d.yaml:3:45: zones/example.com/zoneId: '/hostedzone/' is the resource path, not part of the zone id: " +
        "dkimctl uses AQTSO4NTGMFBP4V554K73K; remove the prefix",
      "d.yaml:4:45: zones/example.net/zoneId: '/hostedzone/' is the resource path, not part of the zone id: " +
        "dkimctl uses Z0123456789ABCDEFGHIJ; remove the prefix",
    ]);
  });

  test("a pasted '/hostedzone/' prefix does not make a bad id good", () => {
    const p = only(`version: 1\nzones:\n  example.com: { provider: route53, zoneId: /hostedzone/nope }\ndomains: {}\n`);
    expect([p.line, p.col, p.message]).toEqual([3, 45, expect.stringMatching(/^'\/hostedzone\/nope' is not a route53 zone id/)]);
  });

  test("a Cloudflare zone id in a Route53 zone, and a Route53 id in a Cloudflare zone, are refused, saying so", () => {
    const ps = problemsOf(`version: 1
zones:
  example.com: { provider: route53, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
  example.org: { provider: cloudflare, zoneId: AQTSO4NTGMFBP4V554K73K }
  example.net: { provider: cloudflare, zoneId: /hostedzone/Z0123456789ABCDEFGHIJ }
domains: {}
`);
    expect(ps.map((p) => [p.line, p.col, p.message])).toEqual([
      [
        3,
        45,
        "'023e105f4ecef8ad9ca31a83…' is a Cloudflare zone id, but example.com is a route53 zone: " +
          "give its Route53 hosted zone id (up to 32 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ), or set 'provider: cloudflare'",
      ],
      [
        4,
        48,
        "'AQTSO4NTGMFBP4V554K73K' is a Route53 hosted zone id, but example.org is a cloudflare zone: " +
          "give its Cloudflare zone id (32 lower-case hex digits, on the zone's Overview page as 'Zone ID'), or set 'provider: route53'",
      ],
      [
        5,
        48,
        "'/hostedzone/Z0123456789A…' is a Route53 hosted zone id, but example.net is a cloudflare zone: " +
          "give its Cloudflare zone id (32 lower-case hex digits, on the zone's Overview page as 'Zone ID'), or set 'provider: route53'",
      ],
    ]);
  });

  test("TTL out of range for Cloudflare, on the selector and via the default", () => {
    const ps = problemsOf(`version: 1
defaults: { ttl: 30 }
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      s1: {}
  example.org:
    selectors:
      s1: { ttl: 90000 }
      s2: {}
`);
    expect(ps.map((p) => [p.line, p.col, p.path])).toEqual([
      [2, 18, "defaults/ttl"],
      [12, 18, "domains/example.org/selectors/s1/ttl"],
    ]);
    expect(ps[0].message).toMatch(/TTL 30 is not allowed in a Cloudflare zone: use 1 \(automatic\) or 60..86400/);
    expect(ps[1].message).toMatch(/TTL 90000/);
  });

  test("Cloudflare accepts TTL 1 (automatic); Route53 rejects negative TTLs", () => {
    expect(() => parseConfig("d.yaml", `${ZONES}  example.org:\n    selectors:\n      s1: { ttl: 1 }\n`)).not.toThrow();
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: { ttl: -5 }\n`);
    expect(p.message).toMatch(/-5 is too small: the minimum is 0/);
  });

  test("unknown key algorithm", () => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: { key: rsa-512 }\n`);
    expect([p.line, p.col]).toEqual([8, 18]);
    expect(p.message).toBe('"rsa-512" is not allowed: use one of rsa-1024, rsa-2048, rsa-3072, rsa-4096, ed25519');
  });

  test("a selector with both txt and cname", () => {
    const p = only(`${ZONES}  example.org:\n    selectors:\n      s1:\n        txt: "v=DKIM1; p="\n        cname: s1.example.net\n`);
    expect([p.line, p.col, p.path]).toEqual([10, 16, "domains/example.org/selectors/s1/cname"]);
    expect(p.message).toMatch(/has txt and cname: keep exactly one/);
  });

  test.each([
    ["v=DKIM1; k=rsa", /no p= tag/],
    ["v=DKIM1; k=dsa; p=AAAA", /k=dsa/],
    ["k=rsa; v=DKIM1; p=AAAA", /must start with v=DKIM1/],
    ["v=DKIM1; k=rsa; p=not base64!", /not valid base64/],
    ["v=DKIM1; k=rsa; p=AAAAAAAA", /not an RSA public key/],
    ["v=DKIM1; k=ed25519; p=AAAAAAAA", /Ed25519 p= of 6 bytes/],
    ["v=DKIM1; p=; p=", /twice/],
    ["hello world", /where a tag=value pair belongs/],
  ])("a txt that is not a well-formed DKIM key record: %s", (txt, why) => {
    const p = only(`${ZONES}  example.org:\n    selectors:\n      s1: { txt: "${txt}" }\n`);
    expect([p.line, p.col, p.path]).toEqual([8, 18, "domains/example.org/selectors/s1/txt"]);
    expect(p.message).toMatch(why);
  });

  test.each([["not a host"], ["https://example.net/"], ["nodot"]])("a CNAME target that is not a host name: %s", (target) => {
    const p = only(`${ZONES}  example.org:\n    selectors:\n      s1: { cname: "${target}" }\n`);
    expect([p.line, p.col]).toEqual([8, 20]);
    expect(p.message).toMatch(/CNAME target .* (is not a host name|is not a fully qualified host name)/);
  });

  test("testing and note make no sense on a delegated selector", () => {
    const ps = problemsOf(`${ZONES}  example.org:\n    selectors:\n      s1: { cname: s1.example.net, testing: true }\n`);
    expect(ps[0].message).toMatch(/'testing' does not apply to a delegated/);
  });

  test("a note with a semicolon", () => {
    const p = only(`${ZONES}  example.com:\n    selectors:\n      s1: { note: "a; b" }\n`);
    expect(p.message).toMatch(/may not contain ';'/);
  });

  test("an empty file", () => {
    const p = only("");
    expect([p.line, p.col, p.message]).toEqual([
      1,
      1,
      "the file is empty: start it with 'version: 1', then 'zones:' and 'domains:' ('npx dkimctl help domains-yaml' shows them)",
    ]);
  });

  test("a comment-only file is empty too", () => {
    expect(only("# nothing yet\n").message).toMatch(/the file is empty/);
  });

  test("a file that is not a mapping", () => {
    const p = only("- example.com\n- example.org\n");
    expect(p.message).toBe("the file must be a mapping with 'version', 'zones' and 'domains', not a list");
  });

  test("version missing", () => {
    expect(only("zones: {}\ndomains: {}\n").message).toMatch(/'version' is missing: add 'version: 1'/);
  });

  test("version unknown", () => {
    const p = only("version: 2\nzones: {}\ndomains: {}\n");
    expect([p.line, p.col]).toEqual([1, 10]);
    expect(p.message).toBe("version 2 is not one this dkimctl reads (it reads version 1): upgrade dkimctl");
  });

  test("a domain listed twice after normalisation", () => {
    const p = only(`${ZONES}  example.com: { selectors: { s1: {} } }\n  EXAMPLE.com.: { selectors: { s2: {} } }\n`);
    expect([p.line, p.col]).toEqual([7, 3]);
    expect(p.message).toMatch(/listed twice \(also as 'example.com'\)/);
  });

  test("a domain without selectors", () => {
    const p = only(`${ZONES}  example.com: {}\n`);
    expect(p.message).toMatch(/has no selectors: add one under 'selectors:'/);
  });

  test("every problem is reported at once, in file order", () => {
    const ps = problemsOf(`version: 1
zones:
  example.com: { provider: route53, zoneId: nope }
domains:
  example.com:
    selectors:
      s_1: {}
      s2: { key: rsa-512, ttll: 5 }
  example.net:
    selectors:
      s1: {}
`);
    expect(ps.map((p) => `${p.line}:${p.col}`)).toEqual(["3:45", "7:7", "8:18", "8:27", "9:3"]);
  });
});

describe("accepted input is normalised", () => {
  test("IDN domains become A-labels, case and trailing dots are dropped, zones are inferred by longest match", () => {
    const c = parseConfig(
      "d.yaml",
      `version: 1
zones:
  Example.COM.: { provider: route53 }
  news.example.com: { provider: cloudflare }
  xn--bcher-kva.example: { provider: route53 }
domains:
  bücher.example: { selectors: { S1: {} } }
  a.news.example.com: { selectors: { s1: null } }
  mail.example.com: { selectors: { s1: {} } }
`,
    );
    expect(c.domains.map((d) => [d.name, d.zone, d.selectors.map((s) => s.name)])).toEqual([
      ["a.news.example.com", "news.example.com", ["s1"]],
      ["mail.example.com", "example.com", ["s1"]],
      ["xn--bcher-kva.example", "xn--bcher-kva.example", ["s1"]],
    ]);
    expect(c.zones.map((z) => z.name)).toEqual(["example.com", "news.example.com", "xn--bcher-kva.example"]);
  });

  test("a provided record copied quoted and split from a support page is joined and normalised", () => {
    const c = parseConfig(
      "d.yaml",
      `${ZONES}  example.org:\n    selectors:\n      s1: { txt: '"v=DKIM1; k=ed25519; " "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="', testing: true }\n`,
    );
    expect(c.domains[0].selectors[0].source).toEqual({ kind: "provided", txt: "v=DKIM1; k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" });
  });

  test("key sizes other than 2048 bits are allowed with a warning", () => {
    const c = parseConfig("d.yaml", `${ZONES}  example.com:\n    selectors:\n      s1: { key: rsa-4096 }\n      s2: { key: rsa-1024 }\n`);
    expect(c.warnings).toEqual([
      expect.stringMatching(/^d\.yaml:8:18: .*rsa-4096 makes a large DNS answer/),
      expect.stringMatching(/^d\.yaml:9:18: .*rsa-1024 is the RFC 8301 minimum/),
    ]);
  });

  test("backends: s3 with per-stack keys, cloud, and exactly one", () => {
    const base = `version: 1\nzones: {}\ndomains: {}\n`;
    expect(parseConfig("d.yaml", `${base}backend: { s3: { bucket: b, region: eu-west-1 } }\n`).backend).toEqual({
      kind: "s3",
      bucket: "b",
      region: "eu-west-1",
      keyPrefix: "dkimctl/",
    });
    expect(parseConfig("d.yaml", `${base}backend: { cloud: { organization: acme } }\n`).backend).toEqual({
      kind: "cloud",
      organization: "acme",
      workspacePrefix: "dkimctl-",
    });
    const p = only(`${base}backend: { s3: { bucket: b, region: r }, cloud: { organization: acme } }\n`);
    expect(p.message).toBe("choose one backend, not s3 and cloud");
  });
});
