/**
 * The SPF checker against a real served zone (knot, test/support/dns-server.ts), asked through
 * src/dns's ResolverLookup as verify asks: lookup counting through nested includes (10 passes,
 * 11 fails), loops, void lookups, mx names, several records, syntax, requirements and suggestions.
 * mailauth's SPF evaluator is the independent judge: from an address that matches nothing (so it
 * walks every term, as the checker does) it must give permerror exactly where the checker reports one.
 */
import { spf as mailauthSpf } from "mailauth/lib/spf";
import { ResolverLookup } from "../src/dns/resolver";
import { checkParkedSpf, checkSpf, type SpfCheck } from "../src/spf/check";
import type { SpfRequirement } from "../src/spf/requirement";
import { type DnsServer, startDnsServer, type ZoneRecord, zoneFile } from "./support/dns-server";

const txt = (name: string, value: string): ZoneRecord => ({ name, type: "TXT", ttl: 300, value });
const a = (name: string, value: string): ZoneRecord => ({ name, type: "A", ttl: 300, value });
const mx = (name: string, hosts: string[]): ZoneRecord[] => hosts.map((h, i) => ({ name, type: "MX", ttl: 300, value: `${10 + i} ${h}.` }));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** n1 -> n2 -> ... -> n9: nine nested includes, the last authorising 192.0.2.0/24. */
const CHAIN = range(9).map((i) => txt(`n${i}`, i < 9 ? `v=spf1 include:n${i + 1}.example.com -all` : "v=spf1 ip4:192.0.2.0/24 -all"));
const CHAIN_PATH = range(9)
  .map((i) => `include:n${i}.example.com`)
  .join(" -> ");

const EXAMPLE_COM: ZoneRecord[] = [
  a("host", "192.0.2.10"),
  ...CHAIN,
  txt("ten", "v=spf1 a:host.example.com include:n1.example.com -all"),
  txt("eleven", "v=spf1 a:host.example.com mx:host.example.com include:n1.example.com -all"),
  txt("loop", "v=spf1 include:loop-b.example.com -all"),
  txt("loop-b", "v=spf1 ip4:192.0.2.1 include:loop.example.com -all"),
  txt("void2", "v=spf1 a:gone1.example.com mx:gone2.example.com ip4:192.0.2.1 -all"),
  txt("void3", "v=spf1 a:gone1.example.com mx:gone2.example.com exists:gone3.example.com -all"),
  ...range(11).map((i) => a(`mx${i}`, `198.51.100.${i}`)),
  ...mx(
    "mx10",
    range(10).map((i) => `mx${i}.example.com`),
  ),
  ...mx(
    "mx11",
    range(11).map((i) => `mx${i}.example.com`),
  ),
  txt("spf-mx10", "v=spf1 mx:mx10.example.com -all"),
  txt("spf-mx11", "v=spf1 mx:mx11.example.com -all"),
  txt("two", "v=spf1 ip4:192.0.2.1 -all"),
  txt("two", "v=spf1 include:_spf.esp.example ~all"),
  txt("two", "google-site-verification=abc"),
  txt("bad", "v=spf1 ip4:192.0.2.300 include:example a/33 -all"),
  txt("_spf", "v=spf1 include:_spf.esp.example ip4:198.51.100.0/28 ~all"),
  txt("req", "v=spf1 include:_spf.example.com ~all"),
  txt("nospf", "site-verification=xyz"),
  txt("plus", "v=spf1 ptr ip4:192.0.2.1 +all"),
  txt("soft", "v=spf1 a:host.example.com/28 ~include:_spf.esp.example ?all"),
  txt("parked", "V=SPF1   -ALL "),
  txt("unparked", "v=spf1 ~all"),
  txt("refused", "v=spf1 include:_spf.not-served.test -all"),
];
const ESP_EXAMPLE: ZoneRecord[] = [txt("_spf", "v=spf1 ip4:203.0.113.0/25 ip4:203.0.113.128/25 ip6:2001:db8:e5::/48 -all")];

const REQ: SpfRequirement = { include: ["_spf.esp.example"], ip4: ["203.0.113.0/24", "198.51.100.7"], ip6: ["2001:db8:e5:1::/64"] };

let server: DnsServer;
let resolver: ResolverLookup;

beforeAll(async () => {
  server = await startDnsServer([
    { name: "example.com", zoneFile: zoneFile("example.com", EXAMPLE_COM) },
    { name: "esp.example", zoneFile: zoneFile("esp.example", ESP_EXAMPLE) },
  ]);
  resolver = new ResolverLookup([{ host: server.host, port: server.port }], { timeoutMs: 2000, tries: 1 });
});
afterAll(async () => {
  resolver?.cancel();
  await server?.stop();
});

const check = (name: string, req?: SpfRequirement) => checkSpf(`${name}.example.com`, resolver, req);
const codes = (c: SpfCheck) => c.problems.map((p) => `${p.severity} ${p.code}`);

/** A resolver for mailauth backed by the same served zone, in dns.promises.resolve's shapes and error codes. */
async function mailauthResolve(name: string, type: string): Promise<unknown[]> {
  const r = await resolver.lookup(name, type as "TXT" | "A" | "AAAA" | "MX");
  if (r.kind === "answer") {
    if (type === "TXT") return r.values;
    if (type === "MX") return r.values.map(([exchange], priority) => ({ exchange, priority }));
    return r.values.map((v) => v[0]);
  }
  const err = Object.assign(new Error(`${type} ${name}: ${r.kind}`), {
    code: r.kind === "nxdomain" ? "ENOTFOUND" : r.kind === "nodata" ? "ENODATA" : "ESERVFAIL",
  });
  throw err;
}

/** mailauth's verdict for mail from `ip` with envelope sender at `domain`. */
async function judge(domain: string, ip = "198.51.100.200"): Promise<string> {
  const r = await mailauthSpf({ sender: `postmaster@${domain}`, ip, helo: "mta.example.net", mta: "mx.test", resolver: mailauthResolve } as never);
  return (r as { status: { result: string } }).status.result;
}

describe("lookup counting (RFC 7208 4.6.4)", () => {
  test("exactly 10 DNS-querying terms through nested includes passes", async () => {
    const c = await check("ten");
    expect(c).toMatchObject({ status: "ok", lookupCount: 10, voidCount: 0, problems: [], unauthorised: [] });
    expect(c.suggestion).toBeUndefined();
    expect(await judge("ten.example.com")).toBe("fail"); // evaluated to the end: -all
    expect(await judge("ten.example.com", "192.0.2.77")).toBe("pass"); // authorised ten levels down
  });

  test("11 fails, naming the term that crossed the limit by its path", async () => {
    const c = await check("eleven");
    expect(c.status).toBe("problem");
    expect(c.lookupCount).toBe(11);
    expect(c.problems).toEqual([
      {
        code: "lookup-limit",
        severity: "error",
        path: `eleven.example.com -> ${CHAIN_PATH}`,
        message: "this term is DNS lookup 11: the limit is 10 (RFC 7208 4.6.4), receivers return permerror",
      },
    ]);
    expect(await judge("eleven.example.com")).toBe("permerror");
  });

  test("an include loop is detected with its path", async () => {
    const c = await check("loop");
    expect(codes(c)).toEqual(["error loop"]);
    expect(c.problems[0].path).toBe("loop.example.com -> include:loop-b.example.com -> include:loop.example.com");
    expect(c.lookupCount).toBe(2);
    expect(await judge("loop.example.com")).toBe("permerror");
  });

  test("void lookups: 2 are allowed, the 3rd fails", async () => {
    const two = await check("void2");
    expect(two).toMatchObject({ status: "ok", voidCount: 2, lookupCount: 2, problems: [] });
    expect(await judge("void2.example.com")).toBe("fail");
    const three = await check("void3");
    expect(three).toMatchObject({ status: "problem", voidCount: 3, lookupCount: 3 });
    expect(three.problems).toEqual([
      expect.objectContaining({ code: "void-limit", path: "void3.example.com -> exists:gone3.example.com", message: expect.stringContaining("void lookup 3") }),
    ]);
    expect(await judge("void3.example.com")).toBe("permerror");
  });

  test("mx: 10 MX names pass, 11 fail", async () => {
    expect(await check("spf-mx10")).toMatchObject({ status: "ok", lookupCount: 1, problems: [] });
    const c = await check("spf-mx11");
    expect(codes(c)).toEqual(["error mx-limit"]);
    expect(c.problems[0].message).toContain("mx11.example.com has 11 MX names: at most 10");
    expect(await judge("spf-mx10.example.com")).toBe("fail");
    expect(await judge("spf-mx11.example.com")).toBe("permerror");
  });
});

describe("the record", () => {
  test("two v=spf1 records are a permerror; other TXT records are ignored; the suggestion merges them", async () => {
    const c = await check("two");
    expect(c.status).toBe("problem");
    expect(c.records).toHaveLength(2);
    expect(codes(c)).toEqual(["error multiple-records"]);
    expect(c.suggestion).toBe("v=spf1 ip4:192.0.2.1 include:_spf.esp.example -all");
    expect(c.suggestionLookupCount).toBe(1);
    expect(await judge("two.example.com")).toBe("permerror");
  });

  test("syntax errors are reported with their column and reason; the suggestion drops them", async () => {
    const c = await check("bad");
    expect(c.status).toBe("problem");
    expect(c.problems.map((p) => p.message)).toEqual([
      "column 12, 'ip4:192.0.2.300': '192.0.2.300' is not an IPv4 address (four numbers 0..255, no leading zeros)",
      "column 32, 'include:example': 'example' is not a fully qualified domain name (it needs a dot and a top-level label)",
      "column 41, 'a/33': CIDR length '/33' must be a number 0..32 without leading zeros",
    ]);
    expect(c.suggestion).toBe("v=spf1 -all");
    expect(await judge("bad.example.com")).toBe("permerror");
  });

  test("+all and ptr are problems; +all becomes ~all in the suggestion", async () => {
    const c = await check("plus");
    expect(codes(c)).toEqual(["error ptr", "error plus-all"]);
    expect(c.suggestion).toBe("v=spf1 ptr ip4:192.0.2.1 ~all");
  });

  test("?all is a note, not a problem", async () => {
    const c = await check("soft");
    expect(c.status).toBe("ok");
    expect(codes(c)).toEqual(["note neutral-all"]);
  });

  test("no v=spf1 record among the TXT records: missing, with the record to publish", async () => {
    const c = await check("nospf", { include: ["_spf.esp.example"], ip4: ["192.0.2.0/24"], ip6: [] });
    expect(c.status).toBe("missing");
    expect(c.problems[0].message).toBe("no SPF record: nospf.example.com has 1 TXT record(s), none of them starting with v=spf1");
    expect(c.suggestion).toBe("v=spf1 include:_spf.esp.example ip4:192.0.2.0/24 ~all");
    expect(c.suggestionLookupCount).toBe(1);
    expect((await checkSpf("absent.example.com", resolver)).problems[0].message).toBe("no SPF record: absent.example.com has no TXT record");
  });

  test("a lookup the server refuses is a dns-error: status error, not ok", async () => {
    const c = await check("refused");
    expect(c.status).toBe("error");
    expect(codes(c)).toEqual(["error dns-error"]);
    expect(c.problems[0].path).toBe("refused.example.com -> include:_spf.not-served.test");
  });
});

describe("requirements", () => {
  test("an include reached through a nested include, ranges covered by two adjoining /25s, an IPv6 net inside a /48", async () => {
    const c = await check("req", REQ);
    expect(c).toMatchObject({ status: "ok", unauthorised: [], lookupCount: 2 });
    expect(c.suggestion).toBeUndefined();
  });

  test("a missing ip4 range gives the record with it added before the all, and is within the limit", async () => {
    const c = await check("req", { ...REQ, ip4: [...REQ.ip4, "192.0.2.0/24"] });
    expect(c.status).toBe("problem");
    expect(c.unauthorised).toEqual([{ kind: "ip4", value: "192.0.2.0/24", reason: "no pass mechanism in the record or its includes covers it" }]);
    expect(c.suggestion).toBe("v=spf1 include:_spf.example.com ip4:192.0.2.0/24 ~all");
    expect(c.suggestionLookupCount).toBe(2);
  });

  test("a range only partly covered is not authorised; an include under ~ does not authorise; a and its CIDR length do", async () => {
    const c = await check("soft", { include: ["_spf.esp.example"], ip4: ["192.0.2.0/28", "203.0.113.0/24"], ip6: [] });
    expect(c.unauthorised.map((u) => [u.kind, u.value])).toEqual([
      ["include", "_spf.esp.example"],
      ["ip4", "203.0.113.0/24"],
    ]);
    expect(c.suggestion).toBe("v=spf1 a:host.example.com/28 include:_spf.esp.example ?all");
    const partly = await check("req", { include: [], ip4: ["203.0.113.0/23"], ip6: ["2001:db8:e4::/47"] });
    expect(partly.unauthorised.map((u) => u.value)).toEqual(["203.0.113.0/23", "2001:db8:e4::/47"]);
  });

  test("a suggestion over the lookup limit says so", async () => {
    const c = await check("ten", { include: ["_spf.esp.example"], ip4: [], ip6: [] });
    expect(c.suggestion).toBe("v=spf1 a:host.example.com include:n1.example.com include:_spf.esp.example -all");
    expect(c.suggestionLookupCount).toBe(11);
    expect(codes(c)).toEqual(["warning suggestion-over-limit"]);
  });
});

describe("parked domains", () => {
  test("v=spf1 -all in any case and spacing is parked; anything else is a problem with the record to publish", async () => {
    expect(await checkParkedSpf("parked.example.com", resolver)).toMatchObject({ status: "ok", problems: [] });
    const soft = await checkParkedSpf("unparked.example.com", resolver);
    expect(soft).toMatchObject({ status: "problem", suggestion: "v=spf1 -all" });
    expect(codes(soft)).toEqual(["error not-parked"]);
    expect(await checkParkedSpf("nospf.example.com", resolver)).toMatchObject({ status: "missing", suggestion: "v=spf1 -all" });
  });
});
