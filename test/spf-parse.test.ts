/**
 * The SPF record parser (RFC 7208 4.5, 4.6, 7.1, ABNF of section 12): what it reads, and every syntax
 * problem with its reason and column. Fast: no DNS. The checker against a served zone is in spf-check.test.ts.
 */
import { expandForDomain, scanMacroString } from "../src/spf/macro";
import { isSpfRecord, parseSpf } from "../src/spf/parse";

/** The one problem a record has: [column, reason fragment]. */
function only(record: string): [number, string] {
  const { problems } = parseSpf(record);
  expect(problems).toHaveLength(1);
  return [problems[0].column, problems[0].reason];
}

describe("parseSpf", () => {
  test("reads every mechanism and modifier with its qualifier, domain, CIDR lengths and column", () => {
    const r =
      "v=spf1 a -a:mail.example.com/24//64 ~mx//48 ?mx:mx.example.com ptr +ptr:example.net ip4:192.0.2.0/24 ip6:2001:db8::1 " +
      "include:_spf.esp.example exists:%{i}._spf.%{d} redirect=_spf.example.com exp=explain._spf.%{d} x-note=%{d}hello ~all";
    const { terms, problems } = parseSpf(r);
    expect(problems).toEqual([]);
    expect(terms.map((t) => t.kind)).toEqual(["a", "a", "mx", "mx", "ptr", "ptr", "ip4", "ip6", "include", "exists", "redirect", "exp", "unknown", "all"]);
    expect(terms[0]).toMatchObject({ qualifier: "+", ip4Prefix: 32, ip6Prefix: 128, column: 8, text: "a" });
    expect(terms[0]).not.toHaveProperty("domain");
    expect(terms[1]).toMatchObject({ qualifier: "-", domain: { text: "mail.example.com" }, ip4Prefix: 24, ip6Prefix: 64, column: 10 });
    expect(terms[2]).toMatchObject({ qualifier: "~", ip4Prefix: 32, ip6Prefix: 48 });
    expect(terms[6]).toMatchObject({ kind: "ip4", network: "192.0.2.0", prefix: 24 });
    expect(terms[7]).toMatchObject({ kind: "ip6", network: "2001:db8::1", prefix: 128 });
    expect(terms[12]).toMatchObject({ kind: "unknown", name: "x-note", value: "%{d}hello" });
    expect(terms[13]).toMatchObject({ kind: "all", qualifier: "~", column: r.length - 3 });
  });

  test("names are case-insensitive; runs of spaces and trailing spaces are fine", () => {
    const { terms, problems } = parseSpf("V=SPF1  INCLUDE:Example.COM   IP4:192.0.2.1   -ALL  ");
    expect(problems).toEqual([]);
    expect(terms.map((t) => [t.kind, t.column])).toEqual([
      ["include", 9],
      ["ip4", 31],
      ["all", 47],
    ]);
  });

  test("the version: exactly v=spf1 followed by a space or the end (RFC 7208 4.5)", () => {
    expect(isSpfRecord("v=spf1")).toBe(true);
    expect(isSpfRecord("v=spf1 -all")).toBe(true);
    expect(isSpfRecord("v=spf10 -all")).toBe(false);
    expect(isSpfRecord("spf2.0/pra -all")).toBe(false);
    expect(isSpfRecord(" v=spf1 -all")).toBe(false);
    expect(only("v=spf10 -all")).toEqual([1, "an SPF record starts with 'v=spf1' followed by a space or the end"]);
  });

  test.each([
    ["v=spf1 foo:example.com -all", 8, "unknown mechanism 'foo'"],
    ["v=spf1 inclde:example.com", 8, "unknown mechanism 'inclde'"],
    ["v=spf1 allow", 8, "unknown mechanism 'allow'"],
    ["v=spf1 all:x", 11, "'all' takes no argument"],
    ["v=spf1 include", 15, "'include' needs a domain: include:<domain>"],
    ["v=spf1 include:", 16, "'include:' needs a domain after it"],
    ["v=spf1 exists", 14, "'exists' needs a domain: exists:<domain>"],
    ["v=spf1 include:example", 16, "'example' is not a fully qualified domain name"],
    ["v=spf1 include:192.0.2.1", 16, "'192.0.2.1' does not end in a top-level label"],
    ["v=spf1 include:example-.com.x-", 16, "does not end in a top-level label"],
    ["v=spf1 include:a..example.com", 16, "domain 'a..example.com' has an empty label"],
    [`v=spf1 include:${"x".repeat(64)}.com`, 16, "has a label longer than 63 characters"],
    ["v=spf1 a:1.2.3.4", 10, "'1.2.3.4' does not end in a top-level label"],
    ["v=spf1 a/33", 9, "CIDR length '/33' must be a number 0..32"],
    ["v=spf1 a/024", 9, "CIDR length '/024' must be a number 0..32 without leading zeros"],
    ["v=spf1 mx//129", 10, "CIDR length '/129' must be a number 0..128 without leading zeros (IPv6 lengths are written //N)"],
    ["v=spf1 mx/", 10, "CIDR length '/' must be"],
    ["v=spf1 a:example.com/24/64", 21, "bad CIDR length in ':example.com/24/64'"],
    ["v=spf1 mxfoo", 8, "unknown mechanism 'mxfoo'"],
    ["v=spf1 ptr/24", 11, "'ptr' is followed by nothing or by :<domain>"],
    ["v=spf1 ip4", 11, "'ip4' needs an address or network: ip4:192.0.2.0/24"],
    ["v=spf1 ip4:192.0.2.300", 12, "'192.0.2.300' is not an IPv4 address"],
    ["v=spf1 ip4:192.0.2.01", 12, "no leading zeros"],
    ["v=spf1 ip4:192.0.2", 12, "'192.0.2' is not an IPv4 address"],
    ["v=spf1 ip4:192.0.2.0/33", 21, "prefix length '/33' must be a number 0..32"],
    ["v=spf1 ip4:192.0.2.0/", 21, "prefix length '/' must be"],
    ["v=spf1 ip4:2001:db8::/32", 12, "it is an IPv6 address: use ip6:"],
    ["v=spf1 ip6:192.0.2.1", 12, "it is an IPv4 address: use ip4:"],
    ["v=spf1 ip6:fe80::1%eth0", 12, "'fe80::1%eth0' is not an IPv6 address"],
    ["v=spf1 ip6:2001:db8::/129", 22, "prefix length '/129' must be a number 0..128"],
    ["v=spf1 ~redirect=example.com", 8, "modifier 'redirect' takes no qualifier ('~')"],
    ["v=spf1 redirect=", 17, "'redirect=' needs a domain after it"],
    ["v=spf1 redirect=a.example redirect=b.example", 27, "'redirect' appears more than once (RFC 7208 6)"],
    ["v=spf1 exp=a.example exp=b.example", 22, "'exp' appears more than once"],
    ["v=spf1 =x", 8, "'=x' is neither a mechanism nor a modifier"],
    ["v=spf1 -all\t", 12, "character TAB is not allowed"],
    ["v=spf1 include:exämple.com", 18, "character U+00E4 'ä' is not allowed"],
    ["v=spf1 exists:%{x}.example.com", 15, "unknown macro letter in '%{x}'"],
    ["v=spf1 exists:%{d0}.example.com", 15, "macro '%{d0}': the number of parts must be a nonzero number"],
    ["v=spf1 exists:%{ir;}.example.com", 15, "after the letter come digits, 'r' and delimiters"],
    ["v=spf1 include:%{c}.example.com", 16, "macro letter 'c' is allowed only in explanation text"],
    ["v=spf1 exists:%{i.example.com", 15, "macro '%{' is not closed with '}'"],
    ["v=spf1 exists:100%.example.com", 18, "'%' must be followed by '{', '%', '_' or '-'"],
    ["v=spf1 x-tag=50%", 16, "'%' must be followed by"],
  ])("%j: column %d, %s", (record, column, reason) => {
    const [col, why] = only(record);
    expect(why).toContain(reason);
    expect(col).toBe(column);
  });

  test("every problem of a record is reported, in column order; the good terms are kept", () => {
    const { terms, problems } = parseSpf("v=spf1 ip4:300.0.0.1 include:_spf.example.com foo ip6:zz -all");
    expect(problems.map((p) => [p.column, p.term])).toEqual([
      [12, "ip4:300.0.0.1"],
      [47, "foo"],
      [55, "ip6:zz"],
    ]);
    expect(terms.map((t) => t.text)).toEqual(["include:_spf.example.com", "-all"]);
  });

  test("mechanism-like modifiers are unknown modifiers (ignored by receivers), not errors", () => {
    const { terms, problems } = parseSpf("v=spf1 include=example.com -all");
    expect(problems).toEqual([]);
    expect(terms[0]).toMatchObject({ kind: "unknown", name: "include", value: "example.com" });
  });
});

describe("macros", () => {
  test("%{d} and the escapes expand for a domain; letters that depend on the message do not", () => {
    const expand = (s: string) => expandForDomain(scanMacroString(s).parts, "mail.example.com");
    expect(expand("_spf.%{d}")).toBe("_spf.mail.example.com");
    expect(expand("%{d2}")).toBe("example.com");
    expect(expand("%{dr}")).toBe("com.example.mail");
    expect(expand("%{d1r}.x.org")).toBe("mail.x.org");
    expect(expand("%%%_%-")).toBe("% %20");
    expect(expand("%{i}._spf.%{d}")).toBeUndefined();
    expect(expand("%{D}.x.org")).toBe("mail.example.com.x.org");
  });
});
