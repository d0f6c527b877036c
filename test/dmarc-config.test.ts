/**
 * dmarc, parked and spf in domains.yaml: every bad field named at its line
 * and column, all at once; good input merged and normalised.
 */
import { parseConfig } from "../src/config/load";
import { InputError } from "../src/config/problems";
import { dmarcRecordValue } from "../src/dmarc/record";

function problemsOf(text: string): string[] {
  try {
    parseConfig("domains.yaml", text);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

const HEAD = `version: 1
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
`;

test("every bad dmarc field, at its line and column", () => {
  const ps = problemsOf(`${HEAD}  example.com:
    selectors: { s1: {} }
    dmarc:
      policy: rejct
      subdomainPolicy: nope
      adkim: strct
      aspf: 1
      rua: [dmarc@example.com, "mailto:a@b..com", "mailto:x@y.com!10q", "mailto:a,b@y.com"]
      ruf: [mailto:f@example.com!5m]
      failureOptions: "1:x"
      testing: "yes"
      pct: 101
      polcy: none
`);
  expect(ps).toEqual([
    "9:15 domains/example.com/dmarc/policy: \"rejct\" is not allowed: did you mean 'reject'? (one of none, quarantine, reject)",
    "10:24 domains/example.com/dmarc/subdomainPolicy: \"nope\" is not allowed: did you mean 'none'? (one of none, quarantine, reject)",
    "11:14 domains/example.com/dmarc/adkim: \"strct\" is not allowed: did you mean 'strict'? (one of relaxed, strict)",
    "12:13 domains/example.com/dmarc/aspf: 1 is not allowed: use one of relaxed, strict",
    "13:13 domains/example.com/dmarc/rua/0: the report URI 'dmarc@example.com' is not a mailto: URI: " +
      "dkimctl publishes mailto:<address>[!size] report URIs (e.g. mailto:dmarc@example.com)",
    "13:32 domains/example.com/dmarc/rua/1: the report URI 'mailto:a@b..com' has the mail domain 'b..com', which has an empty label (two dots in a row)",
    "13:51 domains/example.com/dmarc/rua/2: the report URI 'mailto:x@y.com!10q' is not mailto:<address>[!size]: " +
      "the size is digits and an optional k, m, g or t (e.g. mailto:dmarc@example.com!10m)",
    "13:73 domains/example.com/dmarc/rua/3: the report URI 'mailto:a,b@y.com' has the address part 'a,b', " +
      "which is not a plain mailbox name (no spaces, ',', ';' or '!')",
    "15:23 domains/example.com/dmarc/failureOptions: failureOptions '1:x' is not fo=: give 0, 1, d or s, several separated by ':' (e.g. '1:d')",
    '16:16 domains/example.com/dmarc/testing: expected true or false, found the string "yes": use true or false (YAML 1.2 reads yes, no, on, off as strings)',
    "17:12 domains/example.com/dmarc/pct: 101 is too large: the maximum is 100",
    "18:7 domains/example.com/dmarc/polcy: unknown field 'polcy': did you mean 'policy'?",
  ]);
});

test("dmarc is false or a mapping; a policy is needed from the domain or the defaults; adopt is where the provider can adopt", () => {
  expect(problemsOf(`${HEAD}  example.com: { selectors: { s1: {} }, dmarc: true }\n`)).toEqual([
    "6:48 domains/example.com/dmarc: expected false or a mapping, found boolean true",
  ]);
  expect(problemsOf(`${HEAD}  example.com: { selectors: { s1: {} }, dmarc: { rua: [mailto:d@example.com] } }\n`)).toEqual([
    "6:48 domains/example.com/dmarc: has no policy: set 'policy' (none, quarantine or reject) here or in defaults.dmarc",
  ]);
  const noDefaultPolicy = `version: 1\ndefaults:\n  dmarc: { adkim: strict }\n${HEAD.slice("version: 1\n".length)}  example.com: { selectors: { s1: {} } }\n`;
  expect(problemsOf(noDefaultPolicy)).toEqual([
    "8:3 domains/example.com: gets defaults.dmarc, which has no policy: set 'policy' (none, quarantine or reject) in defaults.dmarc or in this domain's dmarc",
  ]);
  expect(problemsOf(`${HEAD}  example.org: { selectors: { s1: {} }, dmarc: { policy: none, adopt: true } }\n`)).toEqual([
    "6:71 domains/example.org/dmarc/adopt: 'adopt' works in Route53, Google Cloud DNS, Azure DNS, and DigitalOcean zones only; " +
      "in Cloudflare, import the record with 'cdktf' import blocks or delete it first",
  ]);
  expect(
    problemsOf(`version: 1\ndefaults:\n  dmarc: { policy: none, adopt: true }\n${HEAD.slice("version: 1\n".length)}  example.com: { selectors: { s1: {} } }\n`),
  ).toEqual([
    "3:26 defaults/dmarc/adopt: unknown field 'adopt': known fields here: " +
      "policy, subdomainPolicy, nonexistentPolicy, adkim, aspf, rua, ruf, failureOptions, testing, pct",
  ]);
});

test("parked: no selectors, rotation, weaker policy, testing, dmarc: false or SPF authorisations", () => {
  const ps = problemsOf(`${HEAD}  parked.example.org:
    parked: true
    selectors: { s1: {} }
    rotation: { every: 90d }
    dmarc: { policy: quarantine, subdomainPolicy: none, testing: true, pct: 50 }
    spf: { include: [_spf.esp.example], ip6: ["2001:db8::/32"] }
  other.example.org: { parked: true, dmarc: false }
`);
  expect(ps.map((p) => p.replace(/: a parked domain.*/, ""))).toEqual([
    "8:5 domains/parked.example.org/selectors",
    "9:5 domains/parked.example.org/rotation",
    "10:22 domains/parked.example.org/dmarc/policy",
    "10:51 domains/parked.example.org/dmarc/subdomainPolicy",
    "10:66 domains/parked.example.org/dmarc/testing",
    "10:77 domains/parked.example.org/dmarc/pct",
    "11:12 domains/parked.example.org/spf/include",
    "11:41 domains/parked.example.org/spf/ip6",
    "12:45 domains/other.example.org/dmarc",
  ]);
  expect(ps[0]).toMatch(/a parked domain sends no mail, so it has no DKIM selectors \(dkimctl publishes a null record, \*._domainkey\)/);
  expect(ps[6]).toMatch(/its SPF record must authorise nothing \('v=spf1 -all', which verify checks\): remove spf.include or 'parked: true'/);
});

test("spf: include is a domain name (underscores allowed), ip4 and ip6 addresses or CIDR ranges", () => {
  expect(
    problemsOf(`${HEAD}  example.com:
    selectors: { s1: {} }
    spf:
      include: [_spf.esp.example, "bad host", 192.0.2.1]
      ip4: [192.0.2.0/24, 10.0.0.0/33, "::1", 10.0.0.1/x]
      ip6: ["2001:db8::/129", "2001:db8::/32", 192.0.2.1, "fe80::1%eth0"]
`),
  ).toEqual([
    "9:35 domains/example.com/spf/include/1: 'bad host' is not a domain name to include: it is not a host name: label 'bad host' is invalid",
    "9:47 domains/example.com/spf/include/2: '192.0.2.1' is not a domain name to include: it is an IP address, not a host name",
    "10:27 domains/example.com/spf/ip4/1: '10.0.0.0/33' has the prefix length /33; an IPv4 range has /0../32",
    "10:40 domains/example.com/spf/ip4/2: '::1' is not an IPv4 address or CIDR range (e.g. 192.0.2.0/24)",
    "10:47 domains/example.com/spf/ip4/3: '10.0.0.1/x' has the prefix length /x; an IPv4 range has /0../32",
    "11:13 domains/example.com/spf/ip6/0: '2001:db8::/129' has the prefix length /129; an IPv6 range has /0../128",
    "11:48 domains/example.com/spf/ip6/2: '192.0.2.1' is not an IPv6 address or CIDR range (e.g. 2001:db8::/32)",
    // node:net takes a zone index; an SPF record cannot hold one, and the checker would not read it.
    "11:59 domains/example.com/spf/ip6/3: 'fe80::1%eth0' is not an IPv6 address or CIDR range (e.g. 2001:db8::/32)",
  ]);
});

test("domain dmarc merges over defaults.dmarc field by field; false publishes none; parked gets p=reject with the report addresses", () => {
  const config = parseConfig(
    "domains.yaml",
    `version: 1
defaults:
  dmarc: { policy: none, rua: [MAILTO:Dmarc@EXAMPLE.com], pct: 50, ruf: [mailto:f@example.com] }
zones:
  example.com: { provider: route53 }
domains:
  example.com:
    dmarc: { policy: reject, subdomainPolicy: quarantine, adkim: strict, rua: [mailto:dmarc@example.com, "mailto:x@reports.example.net!10M"] }
    spf: { include: [_SPF.esp.example], ip4: [192.0.2.0/24], ip6: ["2001:DB8::/32"] }
    selectors: { s1: {} }
  news.example.com: { dmarc: false, selectors: { s1: {} } }
  org.example.com: { dmarc: { testing: true, failureOptions: "1:d" } }
  parked.example.com: { parked: true }
`,
  );
  const by = Object.fromEntries(config.domains.map((d) => [d.name, d]));
  expect(dmarcRecordValue(by["example.com"].dmarc!)).toBe(
    "v=DMARC1; p=reject; sp=quarantine; adkim=s; pct=50; rua=mailto:dmarc@example.com,mailto:x@reports.example.net!10m; ruf=mailto:f@example.com",
  );
  expect(by["example.com"].spf).toEqual({ include: ["_spf.esp.example"], ip4: ["192.0.2.0/24"], ip6: ["2001:db8::/32"] });
  expect(by["news.example.com"].dmarc).toBeUndefined();
  // A domain with its own dmarc and no selectors is an organizational domain that only publishes DMARC.
  expect(dmarcRecordValue(by["org.example.com"].dmarc!)).toBe("v=DMARC1; p=none; pct=50; fo=1:d; rua=mailto:Dmarc@example.com; ruf=mailto:f@example.com; t=y");
  expect(by["parked.example.com"]).toMatchObject({ parked: true, selectors: [] });
  expect(dmarcRecordValue(by["parked.example.com"].dmarc!)).toBe("v=DMARC1; p=reject; sp=reject; rua=mailto:Dmarc@example.com; ruf=mailto:f@example.com");
  // pct is deprecated (DMARCbis): a warning, once, where it is written.
  expect(config.warnings).toEqual([expect.stringMatching(/^domains.yaml:3:64: defaults\/dmarc\/pct: pct= is deprecated: DMARCbis \(RFC 9989\) removed it/)]);
});

test("ruf without rua is a warning", () => {
  const config = parseConfig("domains.yaml", `${HEAD}  example.com: { selectors: { s1: {} }, dmarc: { policy: none, ruf: [mailto:f@example.com] } }\n`);
  expect(config.warnings).toEqual([
    "domains.yaml:6:69: domains/example.com/dmarc/ruf: ruf (failure reports) without rua (aggregate reports): " +
      "few receivers send failure reports; add rua to get reports at all",
  ]);
});
