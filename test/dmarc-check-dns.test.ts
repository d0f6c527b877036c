/**
 * DMARC discovery and report authorization against a real served zone (knotd, test/support/dns-server.ts),
 * asked with RD=0 as `verify --authoritative` does; and mailauth's DMARC module, an independent implementation,
 * asked about the same served records through node:dns, must agree on the record and policy of each sample.
 */
import { promises as dnsPromises } from "node:dns";
import { dmarc as mailauthDmarc } from "mailauth/lib/dmarc";
import { authoritativeLookup } from "../src/dns/lookup";
import { type DmarcDiscovery, type DmarcLookup, discoverDmarc } from "../src/dmarc/discover";
import { checkDmarc } from "../src/dmarc/check";
import { checkReportAuthorization } from "../src/dmarc/report-auth";
import { type DnsServer, startDnsServer, type ZoneRecord, zoneFile } from "./support/dns-server";

const txt = (name: string, ...strings: string[]): ZoneRecord => ({ name: `${name}.`, type: "TXT", ttl: 300, strings });
const a = (name: string): ZoneRecord => ({ name: `${name}.`, type: "A", ttl: 300, value: "192.0.2.1" });

const COM = "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com,mailto:x@reports.example.net; ruf=mailto:f@wild.example.net";
const ZONES: Record<string, ZoneRecord[]> = {
  "example.com": [
    txt("_dmarc.example.com", COM),
    a("news.example.com"),
    txt("_dmarc.own.example.com", "v=DMARC1; p=none; rua=mailto:d@example.com"),
    txt("_dmarc.two.example.com", "v=DMARC1; p=none"),
    txt("_dmarc.two.example.com", "v=DMARC1; p=reject"),
    txt("_dmarc.mixed.example.com", "google-site-verification=abc"),
    txt("_dmarc.mixed.example.com", "v=DMARC1; p=", "quarantine"), // one record in two strings
    txt("_dmarc.bad-p.example.com", "v=DMARC1; p=block"),
    txt("_dmarc.bad-p-rua.example.com", "v=DMARC1; p=block; rua=mailto:d@example.com"),
    txt("_dmarc.no-v.example.com", "p=reject; v=DMARC1"),
    txt("_dmarc.lower-v.example.com", "v=dmarc1; p=none"),
    txt("_dmarc.bad-adkim.example.com", "v=DMARC1; p=quarantine; adkim=strict"),
    txt("_dmarc.b.example.com", "v=DMARC1; p=none"), // between a.b.example.com and its organizational domain
  ],
  "example.org": [txt("_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine; np=reject; rua=mailto:x@reports.example.net"), a("exists.example.org")],
  "example.co.uk": [txt("_dmarc.example.co.uk", "v=DMARC1; p=quarantine; sp=reject")],
  // co.uk and github.io served too, so that a wrong organizational domain would find a record there.
  "co.uk": [txt("_dmarc.co.uk", "v=DMARC1; p=none; psd=y")],
  "github.io": [txt("_dmarc.github.io", "v=DMARC1; p=none")],
  "alice.github.io": [txt("_dmarc.alice.github.io", "v=DMARC1; p=reject; rua=mailto:r@bob.github.io,mailto:me@alice.github.io")],
  "example.net": [
    txt("example.com._report._dmarc.reports.example.net", "v=DMARC1"),
    txt("example.org._report._dmarc.reports.example.net", "some other text"),
    txt("*._report._dmarc.wild.example.net", "v=DMARC1"),
  ],
};

let server: DnsServer;
let lookup: DmarcLookup;
beforeAll(async () => {
  server = await startDnsServer(Object.entries(ZONES).map(([name, rrs]) => ({ name, zoneFile: zoneFile(name, rrs) })));
  lookup = (name, type) => authoritativeLookup({ host: server.host, port: server.port }, name, type, { timeoutMs: 1000, tries: 1 });
});
afterAll(async () => {
  await server?.stop();
});

const summary = (d: DmarcDiscovery) => ({
  status: d.status,
  governingName: d.governingName,
  record: d.record,
  disposition: d.disposition,
  dispositionTag: d.dispositionTag,
  inherited: d.inherited,
});

describe("discoverDmarc (RFC 7489 6.6.3) against knotd", () => {
  test("the domain's own record governs: p applies", async () => {
    const d = await discoverDmarc("Own.Example.com.", lookup);
    expect(summary(d)).toEqual({
      status: "found",
      governingName: "_dmarc.own.example.com",
      record: "v=DMARC1; p=none; rua=mailto:d@example.com",
      disposition: "none",
      dispositionTag: "p",
      inherited: false,
    });
    expect(d).toMatchObject({ domain: "own.example.com", organizationalDomain: "example.com", problems: [], warnings: [] });
    expect(d.queried).toEqual([{ name: "_dmarc.own.example.com", outcome: "record" }]);
  });

  test("a subdomain without its own record inherits the organizational domain's sp=", async () => {
    const d = await discoverDmarc("news.example.com", lookup);
    expect(summary(d)).toEqual({
      status: "found",
      governingName: "_dmarc.example.com",
      record: COM,
      disposition: "quarantine",
      dispositionTag: "sp",
      inherited: true,
    });
    expect(d.queried).toEqual([
      { name: "_dmarc.news.example.com", outcome: "no record" },
      { name: "_dmarc.example.com", outcome: "record" },
    ]);
    expect(d.parsed?.policy).toMatchObject({ policy: "reject", subdomainPolicy: "quarantine" });
  });

  test("np= applies to a subdomain that does not exist, sp= to one that does", async () => {
    expect(summary(await discoverDmarc("exists.example.org", lookup))).toMatchObject({ disposition: "quarantine", dispositionTag: "sp" });
    const ghost = await discoverDmarc("ghost.example.org", lookup);
    expect(summary(ghost)).toMatchObject({ status: "found", disposition: "reject", dispositionTag: "np", inherited: true });
    expect(ghost.warnings).toEqual(["ghost.example.org does not exist (NXDOMAIN): np= applies to it"]);
  });

  test("public suffix edge: a sender under co.uk inherits from example.co.uk, never from co.uk", async () => {
    const d = await discoverDmarc("mail.news.example.co.uk", lookup);
    expect(d.organizationalDomain).toBe("example.co.uk");
    expect(summary(d)).toMatchObject({ status: "found", governingName: "_dmarc.example.co.uk", disposition: "reject", dispositionTag: "sp", inherited: true });
  });

  test("private suffix (github.io is on the PSL's private section): alice.github.io is its own organization", async () => {
    const d = await discoverDmarc("mail.alice.github.io", lookup);
    expect(d.organizationalDomain).toBe("alice.github.io");
    expect(summary(d)).toMatchObject({ status: "found", governingName: "_dmarc.alice.github.io", disposition: "reject", dispositionTag: "p", inherited: true });
  });

  test("two DMARC records at the domain's name: no policy, and no falling back to the organizational domain", async () => {
    const d = await discoverDmarc("two.example.com", lookup);
    expect(summary(d)).toEqual({
      status: "none",
      governingName: "_dmarc.two.example.com",
      record: undefined,
      disposition: undefined,
      dispositionTag: undefined,
      inherited: false,
    });
    expect(d.problems).toEqual(["_dmarc.two.example.com has 2 DMARC records: receivers apply no DMARC policy at all (RFC 7489 6.6.3); publish exactly one"]);
    expect(d.queried).toEqual([{ name: "_dmarc.two.example.com", outcome: "several records", detail: "2 DMARC records" }]);
  });

  test("other TXT records at _dmarc are discarded; a record split over two strings is joined", async () => {
    const d = await discoverDmarc("mixed.example.com", lookup);
    expect(summary(d)).toMatchObject({ status: "found", record: "v=DMARC1; p=quarantine", disposition: "quarantine", inherited: false });
    expect(d.problems).toEqual([]);
  });

  describe("malformed records, each reason", () => {
    test("invalid p= and no rua=: the record is ignored; no policy applies", async () => {
      const d = await discoverDmarc("bad-p.example.com", lookup);
      expect(summary(d)).toMatchObject({ status: "none", governingName: "_dmarc.bad-p.example.com", disposition: undefined });
      expect(d.problems).toEqual([
        "_dmarc.bad-p.example.com: p=block is not a policy (none, quarantine or reject)",
        "_dmarc.bad-p.example.com: p= is missing or invalid and rua= has no valid URI: receivers ignore this record (no DMARC policy)",
      ]);
    });

    test("invalid p= with a valid rua=: p=none applies", async () => {
      const d = await discoverDmarc("bad-p-rua.example.com", lookup);
      expect(summary(d)).toMatchObject({ status: "found", disposition: "none", dispositionTag: "p" });
      expect(d.parsed?.impliedNone).toBe(true);
      expect(d.problems).toEqual(["_dmarc.bad-p-rua.example.com: p=block is not a policy (none, quarantine or reject)"]);
    });

    test.each(["no-v", "lower-v"])("%s: not starting with exactly v=DMARC1, so not a DMARC record: the organizational domain's governs", async (label) => {
      const d = await discoverDmarc(`${label}.example.com`, lookup);
      expect(summary(d)).toMatchObject({ status: "found", governingName: "_dmarc.example.com", disposition: "quarantine", inherited: true });
      expect(d.warnings[0]).toMatch(new RegExp(`^_dmarc\\.${label}\\.example\\.com: ".*" is ignored by receivers: it must start with exactly "v=DMARC1"$`));
    });

    test("a bad adkim=: a problem, relaxed applies, the policy stands", async () => {
      const d = await discoverDmarc("bad-adkim.example.com", lookup);
      expect(summary(d)).toMatchObject({ status: "found", disposition: "quarantine" });
      expect(d.parsed?.policy?.adkim).toBeUndefined();
      expect(d.problems).toEqual(["_dmarc.bad-adkim.example.com: adkim=strict is not an alignment mode (r or s); relaxed applies"]);
    });
  });

  test("a lookup error is never taken for 'no record': status error, no fallback", async () => {
    const d = await discoverDmarc("mail.unserved.example", lookup);
    expect(d.status).toBe("error");
    expect(d.queried).toEqual([{ name: "_dmarc.mail.unserved.example", outcome: "error", detail: "REFUSED from the server" }]);
    expect(d.problems).toEqual(["_dmarc.mail.unserved.example: REFUSED from the server: the DMARC policy cannot be determined"]);
  });

  test("no record anywhere: none, saying where it looked", async () => {
    const d = await discoverDmarc("example.net", lookup);
    expect(d).toMatchObject({ status: "none", inherited: false, problems: ["no DMARC record at _dmarc.example.net"] });
  });
});

describe("discoverDmarc with the DMARCbis tree walk", () => {
  test("a record between the domain and its organizational domain governs under DMARCbis, not under RFC 7489", async () => {
    expect(summary(await discoverDmarc("a.b.example.com", lookup))).toMatchObject({ governingName: "_dmarc.example.com", disposition: "quarantine" });
    const bis = await discoverDmarc("a.b.example.com", lookup, { method: "dmarcbis" });
    expect(summary(bis)).toMatchObject({ status: "found", governingName: "_dmarc.b.example.com", disposition: "none", inherited: true });
    expect(bis.queried.map((q) => q.name)).toEqual(["_dmarc.a.b.example.com", "_dmarc.b.example.com"]);
  });

  test("several records at one name are discarded and the walk goes on", async () => {
    const d = await discoverDmarc("two.example.com", lookup, { method: "dmarcbis" });
    expect(summary(d)).toMatchObject({ status: "found", governingName: "_dmarc.example.com", disposition: "quarantine", inherited: true });
    expect(d.problems).toEqual([expect.stringMatching(/^_dmarc\.two\.example\.com has 2 DMARC records: DMARCbis receivers discard them all/)]);
  });
});

describe("checkReportAuthorization (RFC 7489 7.1) against knotd", () => {
  test("same organization needs nothing; an external destination with its v=DMARC1 record is authorised, a wildcard too", async () => {
    const d = await discoverDmarc("example.com", lookup);
    expect(await checkReportAuthorization(d.governingDomain!, d.parsed!.policy!, lookup)).toEqual([
      { tag: "rua", uri: "mailto:d@example.com", destination: "example.com", status: "same-organization" },
      {
        tag: "rua",
        uri: "mailto:x@reports.example.net",
        destination: "reports.example.net",
        name: "example.com._report._dmarc.reports.example.net",
        status: "authorized",
      },
      {
        tag: "ruf",
        uri: "mailto:f@wild.example.net",
        destination: "wild.example.net",
        name: "example.com._report._dmarc.wild.example.net",
        status: "authorized",
      },
    ]);
  });

  test("missing: a name with other TXT only, or no name at all; says what to publish where", async () => {
    const org = await discoverDmarc("exists.example.org", lookup);
    // Authorization is asked for the domain that published the policy (example.org), not the sender subdomain.
    expect(await checkReportAuthorization(org.governingDomain!, org.parsed!.policy!, lookup)).toEqual([
      {
        tag: "rua",
        uri: "mailto:x@reports.example.net",
        destination: "reports.example.net",
        name: "example.org._report._dmarc.reports.example.net",
        status: "missing",
        detail:
          "example.org._report._dmarc.reports.example.net: only TXT records that do not start with v=DMARC1; receivers will not send these reports. " +
          'The destination\'s DNS must publish example.org._report._dmarc.reports.example.net TXT "v=DMARC1"',
        publish: { name: "example.org._report._dmarc.reports.example.net", type: "TXT", value: "v=DMARC1" },
      },
    ]);
    const alice = await checkReportAuthorization("alice.github.io", { rua: ["mailto:r@bob.github.io", "mailto:me@alice.github.io"] }, lookup);
    expect(alice).toEqual([
      expect.objectContaining({ destination: "bob.github.io", status: "missing", detail: expect.stringContaining("no such name (NXDOMAIN)") }),
      expect.objectContaining({ destination: "alice.github.io", status: "same-organization" }),
    ]);
  });

  test("a destination whose DNS cannot be asked is an error, not missing", async () => {
    const r = await checkReportAuthorization("example.com", { rua: ["mailto:x@reports.unserved.example"] }, lookup);
    expect(r).toEqual([expect.objectContaining({ status: "error", detail: "example.com._report._dmarc.reports.unserved.example: REFUSED from the server" })]);
  });
});

describe("mailauth's DMARC module agrees on the served records", () => {
  const resolver = async (name: string, type: string) => {
    const r = new dnsPromises.Resolver({ timeout: 1000, tries: 1 });
    r.setServers([server.address]);
    try {
      return await r.resolve(name, type as "TXT");
    } finally {
      r.cancel();
    }
  };
  const judge = async (domain: string) => {
    const res = await mailauthDmarc({
      headerFrom: `alice@${domain}`,
      spfDomains: [],
      dkimDomains: [{ id: domain, domain, aligned: domain } as never],
      resolver,
    } as never);
    return res ? { policy: res.policy, record: (res as unknown as { rr: string }).rr } : { policy: undefined, record: undefined };
  };

  test.each([
    "own.example.com",
    "news.example.com",
    "example.com",
    "mixed.example.com",
    "no-v.example.com",
    "bad-adkim.example.com",
    "exists.example.org",
    "mail.news.example.co.uk",
    "mail.alice.github.io",
    "example.net",
  ])("%s: the same governing record and the same disposition", async (domain) => {
    const ours = await discoverDmarc(domain, lookup);
    expect(await judge(domain)).toEqual({ policy: ours.disposition, record: ours.record });
  });

  test("where they knowingly differ: two records at the domain's name (mailauth falls back to the organizational domain, as DMARCbis does)", async () => {
    expect((await discoverDmarc("two.example.com", lookup)).status).toBe("none");
    const bis = await discoverDmarc("two.example.com", lookup, { method: "dmarcbis" });
    expect(await judge("two.example.com")).toEqual({ policy: bis.disposition, record: bis.record });
  });

  test("where they knowingly differ: v=dmarc1 in lower case (RFC 7489 6.4's ABNF spells DMARC1 in %x codes: case matters; mailauth ignores case)", async () => {
    expect(await judge("lower-v.example.com")).toEqual({ policy: "none", record: "v=dmarc1; p=none" });
    expect(summary(await discoverDmarc("lower-v.example.com", lookup))).toMatchObject({ governingName: "_dmarc.example.com", disposition: "quarantine" });
  });
});

describe("checkDmarc: discovery, report authorization and the desired policy together", () => {
  const desired = { policy: "reject", subdomainPolicy: "quarantine", rua: ["mailto:d@example.com", "mailto:x@reports.example.net"] } as const;

  test("ok when the own record matches and every external destination is authorised", async () => {
    const c = await checkDmarc("example.com", lookup, { desired: { ...desired, ruf: ["mailto:f@wild.example.net"] } });
    expect(c).toMatchObject({ ok: true, finding: { status: "ok" }, discovery: { status: "found", disposition: "reject" } });
    expect(c.reports.map((r) => r.status)).toEqual(["same-organization", "authorized", "authorized"]);
  });

  test("not ok: an inherited policy where an own record is asked for; a missing authorization; no policy at all", async () => {
    const news = await checkDmarc("news.example.com", lookup, { desired });
    expect(news).toMatchObject({ ok: false, finding: { status: "missing" }, discovery: { inherited: true, disposition: "quarantine" } });
    const org = await checkDmarc("exists.example.org", lookup);
    expect(org).toMatchObject({ ok: false, reports: [{ status: "missing" }] });
    expect(org.finding).toBeUndefined();
    expect(await checkDmarc("two.example.com", lookup)).toMatchObject({ ok: false, reports: [], discovery: { status: "none" } });
  });
});
