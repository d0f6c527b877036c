/**
 * The pieces of the SPF checker that need no DNS: range coverage (ranges.ts) and the record to
 * publish (suggest.ts). With DNS, against knot, in spf-check.test.ts.
 */
import { covered, parseRange } from "../src/spf/ranges";
import { suggestRecord } from "../src/spf/suggest";

const ranges = (...texts: string[]) => texts.map((t) => parseRange(t)!);

describe("covered", () => {
  test.each([
    ["192.0.2.0/24", ["192.0.2.0/25", "192.0.2.128/25"], true],
    ["192.0.2.0/24", ["192.0.2.0/25", "192.0.2.192/26"], false],
    ["192.0.2.0/24", ["192.0.0.0/16"], true],
    ["192.0.2.7", ["192.0.2.0/29"], true],
    ["192.0.2.8", ["192.0.2.0/29"], false],
    ["192.0.2.0/24", ["192.0.2.0/24", "192.0.2.0/26", "192.0.2.64/26"], true],
    ["192.0.2.0/24", ["2001:db8::/32"], false],
    ["2001:db8:1::/48", ["2001:db8::/32"], true],
    ["2001:db8::/32", ["2001:db8::/33", "2001:db8:8000::/33"], true],
    ["::ffff:192.0.2.1", ["::ffff:192.0.2.0/120"], true],
    ["0.0.0.0/0", ["0.0.0.0/0"], true],
  ])("%s in %j: %s", (wanted, by, expected) => {
    expect(covered(parseRange(wanted)!, ranges(...by))).toBe(expected);
  });

  test("host bits are ignored as SPF does; malformed networks are not ranges", () => {
    expect(parseRange("192.0.2.77/24")).toEqual(parseRange("192.0.2.0/24"));
    for (const bad of ["192.0.2.0/33", "192.0.2", "2001:db8::/129", "x", "192.0.2.0/24/1", "fe80::1%eth0", "192.0.2.0/"])
      expect(parseRange(bad)).toBeUndefined();
  });
});

describe("suggestRecord", () => {
  const req = { include: ["_spf.esp.example"], ip4: ["192.0.2.0/24"], ip6: [] };
  const unmet = [
    { kind: "include" as const, value: "_spf.esp.example", reason: "not included" },
    { kind: "ip4" as const, value: "192.0.2.0/24", reason: "not authorised" },
  ];

  test("a new record: the requirement, then ~all", () => {
    expect(suggestRecord(undefined, req, unmet)).toBe("v=spf1 include:_spf.esp.example ip4:192.0.2.0/24 ~all");
  });

  test("existing terms kept in order, additions before all, modifiers last, the policy kept", () => {
    expect(suggestRecord(["v=spf1 exp=x.%{d} mx -all"], req, unmet)).toBe("v=spf1 mx include:_spf.esp.example ip4:192.0.2.0/24 -all exp=x.%{d}");
    expect(suggestRecord(["v=spf1 mx redirect=_spf.example.com"], req, unmet)).toBe(
      "v=spf1 mx include:_spf.esp.example ip4:192.0.2.0/24 redirect=_spf.example.com",
    );
  });

  test("+all and a bare all become ~all; an include under ~ is re-qualified, not repeated", () => {
    expect(suggestRecord(["v=spf1 a all"], req, [])).toBe("v=spf1 a ~all");
    expect(suggestRecord(["v=spf1 a +all"], req, [])).toBe("v=spf1 a ~all");
    expect(suggestRecord(["v=spf1 ~include:_spf.esp.example -all"], req, unmet.slice(0, 1))).toBe("v=spf1 include:_spf.esp.example -all");
  });

  test("several records merge into the first; a repeated redirect and terms that do not parse are dropped", () => {
    expect(suggestRecord(["v=spf1 ip4:192.0.2.1 redirect=a.example redirect=b.example", "v=spf1 ip4:192.0.2.1 mx ~all"], undefined, [])).toBe(
      "v=spf1 ip4:192.0.2.1 mx redirect=a.example",
    );
    expect(suggestRecord(["v=spf1 ip4:300.1.1.1 a -all"], undefined, [])).toBe("v=spf1 a -all");
  });
});
