/**
 * The names module (src/dns/names.ts): a record's name is built from what it
 * is, reading the name of a published record gives back what it is, and
 * the Terraform resource names (src/logical-id.ts) come from the meaning.
 */
import { parseConfig } from "../src/config/load";
import {
  absoluteName,
  closestZone,
  nameOf,
  partsOf,
  publishedNamePattern,
  type RecordMeaning,
  readName,
  relativeName,
  reportAuthorizationName,
} from "../src/dns/names";
import { Lock } from "../src/keys/lock";
import { logicalId } from "../src/logical-id";
import { desiredRecords } from "../src/records";

const KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

const MEANINGS: [RecordMeaning, name: string, id: string][] = [
  [{ kind: "dkim-key", domain: "example.com", selector: "s1" }, "s1._domainkey.example.com", "dkim_s1__domainkey_example_com"],
  [{ kind: "dkim-key", domain: "news.example.com", selector: "a.b" }, "a.b._domainkey.news.example.com", "dkim_a_b__domainkey_news_example_com"],
  [{ kind: "dkim-delegation", domain: "example.org", selector: "s2" }, "s2._domainkey.example.org", "dkim_s2__domainkey_example_org"],
  [{ kind: "dkim-null", domain: "parked.example", selector: "*" }, "*._domainkey.parked.example", "dkim__wildcard__domainkey_parked_example"],
  [{ kind: "dmarc", domain: "xn--bcher-kva.example" }, "_dmarc.xn--bcher-kva.example", "dmarc_xn--bcher-kva_example"],
];

test.each(MEANINGS)("%j is published at %s, as resource %s, and its name reads back as what it is", (meaning, name, id) => {
  expect(nameOf(meaning)).toBe(name);
  expect(logicalId(meaning)).toBe(id);
  expect(readName(name)).toEqual(partsOf(meaning));
  expect(new RegExp(publishedNamePattern({ dmarc: true })).test(name)).toBe(true);
  expect(new RegExp(publishedNamePattern({ dmarc: false })).test(name)).toBe(meaning.kind !== "dmarc");
});

test("every record domains.yaml gives is named from what it is, and its name reads back as that", () => {
  const config = parseConfig(
    "domains.yaml",
    `version: 1
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.com:
    dmarc: { policy: reject }
    selectors:
      s1: { txt: "${KEY}" }
      s2: { cname: s2.domainkey.u1.esp.example }
  news.example.com: { dmarc: { policy: none }, selectors: { a.b: { txt: "${KEY}" } } }
  parked.example.org: { parked: true }
`,
  );
  const records = desiredRecords(config, new Lock());
  expect(records.map((r) => [r.kind, r.role, r.domain, r.selector, r.name])).toEqual([
    ["dmarc", "domain", "example.com", undefined, "_dmarc.example.com"],
    ["dmarc", "domain", "news.example.com", undefined, "_dmarc.news.example.com"],
    ["dkim-key", "selector", "news.example.com", "a.b", "a.b._domainkey.news.example.com"],
    ["dkim-key", "selector", "example.com", "s1", "s1._domainkey.example.com"],
    ["dkim-delegation", "selector", "example.com", "s2", "s2._domainkey.example.com"],
    ["dmarc", "domain", "parked.example.org", undefined, "_dmarc.parked.example.org"],
    ["dkim-null", "domain", "parked.example.org", "*", "*._domainkey.parked.example.org"],
  ]);
  for (const r of records) {
    expect(r.name).toBe(nameOf(r));
    expect(readName(r.name)).toEqual(partsOf(r));
  }
  // One resource per record: the ids are as distinct as the names.
  expect(new Set(records.map(logicalId)).size).toBe(records.length);
});

test.each(MEANINGS)("%j is published at %s, named relative to its own zone and to the zone above it (RFC 1035 5.1)", (meaning, name) => {
  for (const zone of [meaning.domain, meaning.domain.replace(/^[^.]+\./, "")]) {
    const relative = relativeName(name, zone);
    expect(`${relative}.${zone}`).toBe(name);
    expect(absoluteName(relative, zone)).toBe(name);
    // The pattern a listing of relative names (DigitalOcean's) filters with: the zone's own DMARC record is `_dmarc`.
    expect(new RegExp(publishedNamePattern({ dmarc: true, relative: true })).test(relative)).toBe(true);
    expect(new RegExp(publishedNamePattern({ dmarc: false, relative: true })).test(relative)).toBe(meaning.kind !== "dmarc");
  }
});

test("relative names: the zone itself is @, an absolute name stays as it is, a name outside the zone is none", () => {
  expect(relativeName("example.com", "example.com")).toBe("@");
  expect(absoluteName("@", "example.com")).toBe("example.com");
  expect(absoluteName("s1._domainkey.example.com.", "example.com")).toBe("s1._domainkey.example.com.");
  expect(() => relativeName("s1._domainkey.example.org", "example.com")).toThrow("not in zone example.com");
  expect(() => relativeName("s1._domainkey.notexample.com", "example.com")).toThrow("not in zone example.com");
  // Names that are not dkimctl's are not listed.
  for (const other of ["www", "_dmarcx", "x._dmarc", "@", "mail"])
    expect(new RegExp(publishedNamePattern({ dmarc: true, relative: true })).test(other)).toBe(false);
});

test.each([
  ["a name a plan holds that is no record of dkimctl's", "www.example.com", undefined],
  ["_dmarc alone", "_dmarc", undefined],
  ["a _domainkey name without a selector", "_domainkey.example.com", undefined],
  ["a _domainkey name without a domain", "s1._domainkey", undefined],
  ["a name with two _domainkey labels: split at the last", "a._domainkey.b._domainkey.c", { family: "dkim", selector: "a._domainkey.b", domain: "c" }],
  ["a _dmarc name comes first", "_dmarc.s1._domainkey.example", { family: "dmarc", domain: "s1._domainkey.example" }],
])("readName: %s (%s)", (_, name, parts) => {
  expect(readName(name)).toEqual(parts);
});

test("the report authorization name (RFC 7489 7.1)", () => {
  expect(reportAuthorizationName("example.com", "reports.example.net")).toBe("example.com._report._dmarc.reports.example.net");
});

test("closestZone: the deepest zone holding the name, on label boundaries only", () => {
  const zones = new Map(["example.com", "mail.example.com", "example.org"].map((z) => [z, `zone ${z}`]));
  expect(closestZone("s1._domainkey.news.mail.example.com", zones)).toBe("zone mail.example.com");
  expect(closestZone("mail.example.com", zones)).toBe("zone mail.example.com");
  expect(closestZone("example.com", zones)).toBe("zone example.com");
  expect(closestZone("xmail.example.com", zones)).toBe("zone example.com");
  expect(closestZone("notexample.com", zones)).toBeUndefined();
  expect(closestZone("example.net", zones)).toBeUndefined();
});
