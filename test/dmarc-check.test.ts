/**
 * The DMARC checker's pure parts: the record parser (RFC 7489 6.3/6.4, DMARCbis), the organizational domain
 * (Public Suffix List through tldts) and the desired-vs-published comparison. Discovery and report authorization
 * against a served zone are in dmarc-check-dns.test.ts.
 */
import { compareDmarc, comparePolicies } from "../src/dmarc/compare";
import type { DmarcDiscovery } from "../src/dmarc/discover";
import { organizationalDomain, sameOrganization } from "../src/dmarc/org-domain";
import { isDmarcRecord, parseDmarc, parseDmarcUri } from "../src/dmarc/parse";
import type { DmarcPolicy } from "../src/dmarc/policy";

describe("parseDmarc", () => {
  test("a full record: every tag read, keywords case-insensitive, whitespace around = and ; allowed", () => {
    const r = parseDmarc(
      "v=DMARC1; P=Reject ; sp = quarantine; np=reject; adkim=s; aspf=r; rua=mailto:agg@example.com!10m,mailto:x@reports.example.net; " +
        "ruf=mailto:fail@example.com; fo=1:D; t=n; psd=n; ri=3600; rf=afrf;",
    );
    expect(r.problems).toEqual([]);
    expect(r.policy).toEqual({
      policy: "reject",
      subdomainPolicy: "quarantine",
      nonexistentPolicy: "reject",
      adkim: "strict",
      aspf: "relaxed",
      rua: ["mailto:agg@example.com!10m", "mailto:x@reports.example.net"],
      ruf: ["mailto:fail@example.com"],
      failureOptions: "1:d",
      testing: false,
    });
    expect(r).toMatchObject({ impliedNone: false, psd: "n", reportInterval: 3600, reportFormat: "afrf" });
    expect(r.warnings).toEqual(["ri= is removed by DMARCbis; receivers may ignore it", "rf= is removed by DMARCbis; receivers may ignore it"]);
  });

  test("the smallest record: v and p; absent tags stay absent (their defaults are the reader's business)", () => {
    expect(parseDmarc("v=DMARC1; p=none")).toEqual({ policy: { policy: "none" }, impliedNone: false, problems: [], warnings: [] });
    expect(parseDmarc("V = DMARC1;p=quarantine;").policy).toEqual({ policy: "quarantine" });
  });

  test.each([
    ["", /must start with "v=DMARC1"/],
    ["p=reject; v=DMARC1", /must start with "v=DMARC1"/],
    ["v=dmarc1; p=reject", /must start with "v=DMARC1"/],
    ["v=DMARC2; p=reject", /must start with "v=DMARC1"/],
    ["v=spf1 -all", /must start with "v=DMARC1"/],
  ])("not a DMARC record: %j is ignored", (text, reason) => {
    const r = parseDmarc(text);
    expect(r.policy).toBeUndefined();
    expect(r.problems).toEqual([expect.stringMatching(reason)]);
    expect(isDmarcRecord(text)).toBe(false);
  });

  test.each([
    ["v=DMARC1", ["p= is missing: it is required", "p= is missing or invalid and rua= has no valid URI: receivers ignore this record (no DMARC policy)"]],
    ["v=DMARC1; p=block", ["p=block is not a policy (none, quarantine or reject)", expect.stringMatching(/p= is missing or invalid .* receivers ignore/)]],
    ["v=DMARC1; p=reject; sp=strict", ["sp=strict is not a policy (none, quarantine or reject)", expect.stringMatching(/sp= is invalid .* ignore/)]],
    ["v=DMARC1; p=; rua=mailto:@example.com", expect.arrayContaining([expect.stringMatching(/rua= has no valid URI/)])],
  ])("no valid p= (or a bad sp=) and no valid rua=: receivers ignore %j", (text, problems) => {
    const r = parseDmarc(text);
    expect(r.policy).toBeUndefined();
    expect(r.problems).toEqual(problems);
  });

  test("no valid p= but a valid rua=: p=none, reports kept, sp=/np= dropped (RFC 7489 6.6.3 step 6)", () => {
    const r = parseDmarc("v=DMARC1; p=rejct; sp=reject; np=reject; rua=mailto:d@example.com");
    expect(r.policy).toEqual({ policy: "none", rua: ["mailto:d@example.com"] });
    expect(r.impliedNone).toBe(true);
    expect(r.problems).toEqual(["p=rejct is not a policy (none, quarantine or reject)"]);
    expect(r.warnings).toEqual([expect.stringMatching(/act as if the record said p=none/)]);
    expect(parseDmarc("v=DMARC1; rua=mailto:d@example.com")).toMatchObject({ policy: { policy: "none" }, impliedNone: true });
  });

  test("a bad value elsewhere is a problem and its default applies; the rest of the record stands", () => {
    const r = parseDmarc("v=DMARC1; p=reject; adkim=strict; aspf=x; pct=101; fo=2; t=yes; psd=maybe; ri=-1; rf=a fr; junk; 9x=1");
    expect(r.policy).toEqual({ policy: "reject" });
    expect(r.problems).toEqual([
      '"junk" is not a tag (name=value); ignored',
      '"9x=1" is not a tag (name=value); ignored',
      "adkim=strict is not an alignment mode (r or s); relaxed applies",
      "aspf=x is not an alignment mode (r or s); relaxed applies",
      "pct=101 is not a whole number from 0 to 100; ignored",
      "ri=-1 is not a whole number from 0 to 4294967295; ignored",
      "rf=a fr is not a colon-separated list of report formats",
      "fo=2 is not a colon-separated list of 0, 1, d and s; fo=0 applies",
      "t=yes is not y or n; ignored",
      "psd=maybe is not y, n or u; ignored",
    ]);
  });

  test("a tag given twice: a problem, the first value counts; v= again is a problem", () => {
    const r = parseDmarc("v=DMARC1; p=none; p=reject; v=DMARC1");
    expect(r.policy).toEqual({ policy: "none" });
    expect(r.problems).toEqual(["p= appears twice; the first value (none) is used", "v= appears again after the first tag; ignored"]);
  });

  test("pct: accepted with a deprecation warning, and a second one below 100; t=y warns; unknown tags warn", () => {
    const r = parseDmarc("v=DMARC1; p=quarantine; pct=20; t=y; foo=bar");
    expect(r.policy).toEqual({ policy: "quarantine", pct: 20, testing: true });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      "pct= is deprecated (removed by DMARCbis, whose receivers ignore it)",
      "pct=20: receivers following RFC 7489 apply the policy to only 20% of failing mail",
      expect.stringMatching(/^t=y: testing mode/),
      "unknown tag foo= is ignored",
    ]);
  });

  test("rua/ruf: each bad URI is a problem and is dropped, the good ones kept; other schemes kept with a warning", () => {
    const r = parseDmarc("v=DMARC1; p=none; rua=mailto:a@example.com, mailto:nobody, https://r.example/x, mailto:b@exa_mple.com, mailto:c@example.com!5x");
    expect(r.policy?.rua).toEqual(["mailto:a@example.com", "https://r.example/x"]);
    expect(r.problems).toEqual([
      'rua: "mailto:nobody": "nobody" is not an e-mail address (local@domain; a comma must be written %2C); ignored',
      'rua: "mailto:b@exa_mple.com": "exa_mple.com" is not a valid host name (label "exa_mple"); ignored',
      'rua: "mailto:c@example.com!5x": the size after "!" must be digits with an optional k, m, g or t; ignored',
    ]);
    expect(r.warnings).toEqual(['rua: "https://r.example/x" is not a mailto: URI; receivers send reports by e-mail only (DMARCbis)']);
  });

  test("parseDmarcUri: size suffixes, percent-encoding, the domain taken apart", () => {
    expect(parseDmarcUri(" mailto:dmarc%2Breports@Reports.Example.NET!20k ")).toEqual({
      ok: true,
      uri: "mailto:dmarc%2Breports@Reports.Example.NET!20k",
      scheme: "mailto",
      address: "dmarc+reports@Reports.Example.NET",
      domain: "reports.example.net",
      maxSize: "20k",
    });
    expect(parseDmarcUri("mailto:a@localhost")).toMatchObject({ ok: false, reason: expect.stringContaining("not a fully qualified domain name") });
    expect(parseDmarcUri("mailto:a%ZZ@example.com")).toMatchObject({ ok: false, reason: expect.stringContaining("percent-encoding") });
    expect(parseDmarcUri("dmarc@example.com")).toMatchObject({ ok: false, reason: expect.stringContaining("is not a URI") });
  });
});

describe("organizationalDomain (Public Suffix List, ICANN and private sections)", () => {
  test.each([
    ["news.example.com", "example.com"],
    ["Example.COM.", "example.com"],
    ["a.b.example.co.uk", "example.co.uk"],
    ["co.uk", "co.uk"],
    ["a.alice.github.io", "alice.github.io"],
    ["xn--bcher-kva.example.com", "example.com"],
  ])("%s -> %s", (domain, org) => expect(organizationalDomain(domain)).toBe(org));

  test("different registrants under one private suffix are different organizations", () => {
    expect(sameOrganization("alice.github.io", "bob.github.io")).toBe(false);
    expect(sameOrganization("news.example.com", "example.com")).toBe(true);
  });
});

describe("comparePolicies / compareDmarc", () => {
  const desired: DmarcPolicy = { policy: "reject", subdomainPolicy: "quarantine", adkim: "strict", rua: ["mailto:d@example.com"] };
  const own = (policy: DmarcPolicy, extra: Partial<DmarcDiscovery> = {}): DmarcDiscovery => ({
    domain: "example.com",
    organizationalDomain: "example.com",
    status: "found",
    governingName: "_dmarc.example.com",
    governingDomain: "example.com",
    record: "(test)",
    parsed: { policy, impliedNone: false, problems: [], warnings: [] },
    disposition: policy.policy,
    dispositionTag: "p",
    inherited: false,
    queried: [],
    problems: [],
    warnings: [],
    ...extra,
  });

  test("equal meaning is ok: defaults spelled out or left out, URI order and scheme case", () => {
    expect(
      comparePolicies({ policy: "none" }, { policy: "none", subdomainPolicy: "none", adkim: "relaxed", pct: 100, testing: false, failureOptions: "0" }),
    ).toEqual([]);
    const found = { ...desired, rua: ["MAILTO:d@example.com"], nonexistentPolicy: "quarantine" as const };
    expect(compareDmarc(desired, own(found))).toEqual({ status: "ok", governingName: "_dmarc.example.com" });
  });

  test("weaker: lower dispositions (sp defaulting to a lower p), relaxed for strict, lower pct, t=y", () => {
    const f = compareDmarc(desired, own({ policy: "quarantine", adkim: "relaxed", rua: ["mailto:d@example.com"], pct: 50, testing: true }));
    expect(f).toEqual({
      status: "weaker",
      governingName: "_dmarc.example.com",
      differences: [
        { tag: "p", desired: "reject", found: "quarantine", weaker: true },
        { tag: "adkim", desired: "strict", found: "relaxed", weaker: true },
        { tag: "pct", desired: "100", found: "50", weaker: true },
        { tag: "t", desired: "n", found: "y", weaker: true },
      ],
    });
  });

  test("different but not weaker: a stronger policy, other report addresses", () => {
    const f = compareDmarc(desired, own({ ...desired, subdomainPolicy: "reject", rua: ["mailto:other@example.com"] }));
    expect(f).toMatchObject({
      status: "different",
      differences: [
        { tag: "sp", desired: "quarantine", found: "reject", weaker: false },
        { tag: "rua", desired: "mailto:d@example.com", found: "mailto:other@example.com", weaker: false },
      ],
    });
  });

  test("missing: no own record (inheriting names the parent), or an own record receivers ignore; error passes through", () => {
    const inherited = own(
      { policy: "reject", subdomainPolicy: "none" },
      {
        domain: "news.example.com",
        inherited: true,
        disposition: "none",
        dispositionTag: "sp",
      },
    );
    expect(compareDmarc(desired, inherited)).toEqual({
      status: "missing",
      detail: "no DMARC record at _dmarc.news.example.com; it inherits sp=none from _dmarc.example.com",
    });
    const ignored = own({ policy: "none" }, { status: "none", parsed: { impliedNone: false, problems: ["x"], warnings: [] }, problems: ["bad p"] });
    expect(compareDmarc(desired, ignored)).toEqual({ status: "missing", detail: "_dmarc.example.com is there but receivers apply no policy: bad p" });
    expect(compareDmarc(desired, own({ policy: "none" }, { status: "error", problems: ["SERVFAIL"] }))).toEqual({ status: "error", detail: "SERVFAIL" });
  });
});

describe("mailauth's DMARC record reader agrees with parseDmarc on each sample", () => {
  // mailauth/lib/dmarc/get-dmarc-record.js: an independent parser, fed the same text through an in-memory resolver.
  const getDmarcRecord = require("mailauth/lib/dmarc/get-dmarc-record") as (
    domain: string,
    resolver: (name: string, type: string) => Promise<string[][]>,
  ) => Promise<Record<string, string | number> | false>;
  const ALIGN = { r: "relaxed", s: "strict" } as Record<string, string>;

  test.each([
    "v=DMARC1; p=none",
    "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s",
    "v=DMARC1;p=quarantine;pct=25;rua=mailto:a@example.com,mailto:b@reports.example.net!10m",
    "v=DMARC1; p=reject; np=quarantine; fo=1; ruf=mailto:f@example.com; t=y",
    "v=DMARC1; p=none; sp=reject; aspf=r; adkim=r; rua=mailto:dmarc@example.com; ri=86400; rf=afrf",
    "v=DMARC1; p=quarantine; unknown=1; psd=n",
  ])("%s", async (text) => {
    const theirs = await getDmarcRecord("example.com", async () => [[text]]);
    if (!theirs) throw new Error("mailauth found no record");
    const ours = parseDmarc(text);
    expect(ours.problems).toEqual([]);
    const list = (v: unknown) => (typeof v === "string" ? v.split(",").map((s) => s.trim()) : undefined);
    const str = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : undefined);
    expect({
      policy: str(theirs.p),
      subdomainPolicy: str(theirs.sp),
      nonexistentPolicy: str(theirs.np),
      adkim: ALIGN[String(theirs.adkim)],
      aspf: ALIGN[String(theirs.aspf)],
      rua: list(theirs.rua),
      ruf: list(theirs.ruf),
      failureOptions: str(theirs.fo),
      testing: theirs.t === undefined ? undefined : theirs.t === "y",
      pct: theirs.pct,
    }).toEqual({
      policy: ours.policy?.policy,
      subdomainPolicy: ours.policy?.subdomainPolicy,
      nonexistentPolicy: ours.policy?.nonexistentPolicy,
      adkim: ours.policy?.adkim,
      aspf: ours.policy?.aspf,
      rua: ours.policy?.rua,
      ruf: ours.policy?.ruf,
      failureOptions: ours.policy?.failureOptions,
      testing: ours.policy?.testing,
      pct: ours.policy?.pct,
    });
  });
});
