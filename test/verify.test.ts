/**
 * `dkimctl verify` end to end: against a real authoritative server (knotd, test/support/dns-server.ts)
 * serving zones built from the desired records of a temp project, and against a hostile resolver.
 * The DNS layer's wire format, transport and lookups on their own are in dns-wire.test.ts.
 */
import { generateKeyPairSync } from "node:crypto";
import { verifyCommand, type VerifyDeps } from "../src/cli/commands/verify";
import { exitCodeFor, formatFailure } from "../src/cli/report";
import { loadConfig } from "../src/config/load";
import { parseHostPort } from "../src/cli/args";
import { authoritativeLookup } from "../src/dns/lookup";
import { ResolverLookup } from "../src/dns/resolver";
import { query } from "../src/dns/transport";
import { Lock } from "../src/keys/lock";
import { desiredRecords, type DesiredRecord } from "../src/records";
import type { Clock } from "../src/clock";
import type { CheckJson } from "../src/cli/verify-report";
import { compare, describeTxtDifference } from "../src/verify/compare";
import { formatDuration, parseDuration } from "../src/duration";
import { type DnsServer, type ServedZone, startDnsServer, type ZoneRecord, zoneFile } from "./support/dns-server";
import { keyedProject } from "./support/keyed-project";
import { answerTo, deadUdpPort, questionOf, RA, RD, scriptedServer, type ScriptedServer, TC } from "./support/scripted-dns-server";
import { gfmCells } from "./support/markdown";

const SENDGRID = "s1.domainkey.u1234.wl.sendgrid.net";

const YAML = `version: 1
defaults: { ttl: 300 }
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      s1: {}
      e1: { key: ed25519 }
  bücher.example.com:
    selectors:
      e1: { key: ed25519 }
  example.org:
    selectors:
      s1: { key: rsa-2048 }
      sg: { cname: ${SENDGRID} }
`;

const FAST: VerifyDeps = { dns: { timeoutMs: 1000, tries: 1 } };

type Zones = Record<string, ZoneRecord[]>;

/** The desired records as zone-file records, per zone; `edit` changes them before serving. */
function zonesOf(records: readonly DesiredRecord[], edit?: (zones: Zones) => void, extra?: (zone: string) => ZoneRecord[]): ServedZone[] {
  const zones: Zones = {};
  for (const r of records) {
    (zones[r.zone] ??= []).push(
      r.type === "TXT"
        ? { name: `${r.name}.`, type: "TXT", ttl: r.ttl, strings: [...r.strings] }
        : { name: `${r.name}.`, type: "CNAME", ttl: r.ttl, value: r.value },
    );
  }
  edit?.(zones);
  return Object.entries(zones).map(([name, rrs]) => ({ name, zoneFile: zoneFile(name, [...rrs, ...(extra?.(name) ?? [])]) }));
}

/** Replaces (or with no `by`, removes) the records at `name`. */
function at(zones: Zones, name: string, by?: (old: ZoneRecord) => ZoneRecord | ZoneRecord[]): void {
  for (const zone of Object.keys(zones)) {
    zones[zone] = zones[zone].flatMap((r) => (r.name === `${name}.` ? (by ? by(r) : []) : [r]));
  }
}

/** Runs verify as main.ts does: usage errors and failures become messages and exit codes. */
async function verify(args: string[], deps: VerifyDeps = FAST): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };
  // Every run that loads the config says which one it read, first; the tests below look at what follows.
  const rest = () => err.replace(/^config: \S+\n/, "");
  try {
    return { code: await verifyCommand(args, io, deps), out, err: rest() };
  } catch (e) {
    err += formatFailure(e);
    return { code: exitCodeFor(e), out, err: rest() };
  }
}

const json = (out: string) => (JSON.parse(out) as { records: CheckJson[] }).records;
const byName = (checks: CheckJson[], name: string) => checks.find((c) => c.name === name)!;

function otherRsaRecord(): string {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return `v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`;
}

describe("dkimctl verify against knotd", () => {
  let project: { config: string };
  let records: DesiredRecord[];
  let server: DnsServer;
  let base: string[];

  const S1_COM = "s1._domainkey.example.com";
  const E1_COM = "e1._domainkey.example.com";
  const E1_IDN = "e1._domainkey.xn--bcher-kva.example.com";
  const S1_ORG = "s1._domainkey.example.org";
  const SG_ORG = "sg._domainkey.example.org";

  beforeAll(async () => {
    project = await keyedProject(YAML);
    const config = loadConfig(project.config);
    records = desiredRecords(config, Lock.read(config.lockFile));
    server = await startDnsServer(zonesOf(records));
    base = ["--config", project.config, "--resolver", server.address];
  });
  afterAll(async () => {
    await server?.stop();
  });

  const serve = (edit?: (zones: Zones) => void) => server.reload(zonesOf(records, edit));

  test("the project has the records the cases below rely on", () => {
    expect(records.map((r) => `${r.name} ${r.type} ${r.strings.length}`)).toEqual([
      `${E1_COM} TXT 1`,
      `${E1_IDN} TXT 1`,
      `${S1_COM} TXT 2`,
      `${S1_ORG} TXT 2`,
      `${SG_ORG} CNAME 0`,
    ]);
  });

  test("every record published as desired: exit 0 and a text table", async () => {
    await serve();
    const r = await verify(base);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    for (const rec of records) expect(r.out).toMatch(new RegExp(`^ok +${rec.type} +${rec.name.replace(/\./g, "\\.")}`, "m"));
    // These zones publish no DMARC or SPF: not ready, but domains.yaml does not ask for them, so the exit status is 0.
    expect(r.out).toContain(`all 5 records ok; 0 of 3 domains ready (asked resolver ${server.address})`);
    expect(r.out).toMatch(/^example\.com: not ready\n {2}DKIM {3}ok {7}2 DKIM records published and matching$/m);
  });

  test("a missing record: status missing, exit 1", async () => {
    await serve((z) => at(z, E1_COM));
    const r = await verify([...base, "--format", "json"]);
    expect(r.code).toBe(1);
    const checks = json(r.out);
    expect(byName(checks, E1_COM)).toMatchObject({ status: "missing", found: [], detail: expect.stringContaining("NXDOMAIN") });
    expect(checks.filter((c) => c.status === "ok")).toHaveLength(4);
  });

  /** The `expected:`/`found:` lines of a TXT value that differs: both cut at the same offsets around the first difference. */
  const around = (expected: string, found: string, d: number) => [
    `expected: "...${expected.slice(d - 24, d + 24)}..." (2 strings)`,
    `found:    "...${found.slice(d - 24, d + 24)}..." (2 strings)`,
  ];
  /** 0-based offset of the first character where `a` and `b` differ. */
  const firstDiff = (a: string, b: string) => [...a].findIndex((ch, i) => ch !== b[i]);

  test("a changed key (the record of another key): status different, p= cut around the first difference in text, whole in json", async () => {
    const other = otherRsaRecord();
    await serve((z) => at(z, S1_COM, (old) => ({ ...old, strings: undefined, value: other })));
    const text = await verify(base);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^different +TXT +s1\._domainkey\.example\.com +a different key: p= differs$/m);
    const desired = records.find((x) => x.name === S1_COM)!;
    const d = firstDiff(desired.value, other);
    expect(text.out).toContain(
      [`first difference at character ${d + 1} (in p=): expected ${desired.value.length} characters, found ${other.length}`, ...around(desired.value, other, d)]
        .map((l) => `    ${l}\n`)
        .join(""),
    );
    expect(text.out).not.toContain(/p=(.*)$/.exec(other)![1]);
    expect(text.out).toContain("1 of 5 records not ok: 1 different");

    const j = await verify([...base, "--format", "json"]);
    expect(j.code).toBe(1);
    const c = byName(json(j.out), S1_COM);
    expect(c).toMatchObject({ status: "different", expected: desired.value, type: "TXT", zone: "example.com", domain: "example.com", selector: "s1" });
    expect((c.found as string[][]).map((s) => s.join(""))).toEqual([other]);
  });

  test("a key that differs in one character in the middle: the offset is named and the two cut values differ there", async () => {
    const desired = records.find((x) => x.name === S1_COM)!;
    const d = desired.value.indexOf("p=") + 2 + 200;
    const changed = `${desired.value.slice(0, d)}${desired.value[d] === "A" ? "B" : "A"}${desired.value.slice(d + 1)}`;
    await serve((z) => at(z, S1_COM, (old) => ({ ...old, strings: undefined, value: changed })));
    const text = await verify(base);
    expect(text.code).toBe(1);
    const lines = [
      `first difference at character ${d + 1} (in p=): expected ${desired.value.length} characters, found ${changed.length}`,
      ...around(desired.value, changed, d),
    ];
    expect(text.out).toContain(lines.map((l) => `    ${l}\n`).join(""));
    // Shortened from both ends, the two would read the same.
    expect(text.out).not.toMatch(/p=\w{12}\.\.\./);
    const md = await verify([...base, "--format", "markdown"]);
    expect(md.out).toContain(lines.map((l) => `\`${l}\``).join("<br>"));
  });

  test("a second TXT record at the selector name: status duplicate, every record shown", async () => {
    await serve((z) => at(z, S1_ORG, (old) => [old, { name: old.name, type: "TXT", ttl: 300, strings: ["v=DKIM1; k=rsa; p=OLDKEY"] }]));
    const r = await verify([...base, "--format", "json"]);
    expect(r.code).toBe(1);
    const c = byName(json(r.out), S1_ORG);
    const desired = records.find((x) => x.name === S1_ORG)!;
    expect(c.status).toBe("duplicate");
    expect(c.detail).toMatch(/2 TXT records .*one of them is the expected record/);
    expect(c.found as string[][]).toHaveLength(2);
    expect((c.found as string[][]).map((s) => s.join("")).sort()).toEqual([desired.value, "v=DKIM1; k=rsa; p=OLDKEY"].sort());
    const text = await verify(base);
    expect(text.out.match(/^ {4}found: {4}/gm)).toHaveLength(2);
  });

  test("a truncated string (the last string of a 2-string RSA record cut short): status different, said to be truncated", async () => {
    await serve((z) => at(z, S1_COM, (old) => ({ ...old, strings: [old.strings![0], old.strings![1].slice(0, -20)] })));
    const r = await verify([...base, "--format", "json"]);
    expect(r.code).toBe(1);
    const c = byName(json(r.out), S1_COM);
    expect(c.status).toBe("different");
    expect(c.detail).toMatch(/^truncated: the published value is the first \d+ of \d+ bytes/);
  });

  test("a wrong CNAME target: status different, expected vs found", async () => {
    await serve((z) => at(z, SG_ORG, (old) => ({ ...old, value: "s1.domainkey.u9999.wl.sendgrid.net" })));
    const r = await verify(base);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^different +CNAME +sg\._domainkey\.example\.org +points to s1\.domainkey\.u9999\.wl\.sendgrid\.net, expected s1\.domainkey\.u1234\.wl\.sendgrid\.net$/m,
    );
    const j = byName(json((await verify([...base, "-f", "json"])).out), SG_ORG);
    expect(j).toMatchObject({ status: "different", expected: SENDGRID, found: ["s1.domainkey.u9999.wl.sendgrid.net"] });
  });

  test("a CNAME target in other case with a trailing dot is ok; a TXT split differently is ok with info", async () => {
    await serve((z) => {
      at(z, SG_ORG, (old) => ({ ...old, value: `${SENDGRID.toUpperCase()}.` }));
      at(z, S1_ORG, (old) => {
        const v = old.strings!.join("");
        return { ...old, strings: [v.slice(0, 100), v.slice(100, 300), v.slice(300)] };
      });
    });
    const r = await verify([...base, "--format", "json"]);
    expect(r.code).toBe(0);
    const checks = json(r.out);
    expect(byName(checks, SG_ORG)).toMatchObject({ status: "ok", detail: "" });
    expect(byName(checks, S1_ORG).status).toBe("ok");
    expect(byName(checks, S1_ORG).detail).toMatch(
      /^info: same value, split differently: published as 3 strings of 100, 200, \d+ bytes; dkimctl writes 2 of 255, \d+$/,
    );
  });

  test("DNS errors are not ok: a zone the server does not serve (REFUSED), a resolver that is not there", async () => {
    await server.reload(zonesOf(records).filter((z) => z.name === "example.com"));
    try {
      const r = await verify([...base, "--format", "json"]);
      expect(r.code).toBe(1);
      const checks = json(r.out);
      for (const n of [S1_ORG, SG_ORG]) expect(byName(checks, n)).toMatchObject({ status: "error", detail: "the resolver REFUSED the query" });
      expect(checks.filter((c) => c.status === "ok")).toHaveLength(3);
    } finally {
      await serve();
    }
    const port = await deadUdpPort();
    const dead = await verify(["--config", project.config, "--resolver", `127.0.0.1:${port}`, "--zone", "example.org"]);
    expect(dead.code).toBe(1);
    expect(dead.out).toMatch(/^error +TXT +s1\._domainkey\.example\.org +(connection to the resolver refused|timed out)/m);
    expect(dead.out).toContain("2 of 2 records not ok: 2 error");
  });

  test("--format markdown: a table for pull-request comments", async () => {
    await serve((z) => at(z, E1_COM));
    const r = await verify([...base, "--format", "markdown"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`**dkimctl verify**: 1 of 5 records not ok: 1 missing; 0 of 3 domains ready (asked resolver ${server.address})`);
    expect(r.out).toContain("| Status | Name | Type | Detail |\n| --- | --- | --- | --- |");
    expect(r.out).toContain(`| ❌ missing | \`${E1_COM}\` | TXT | no such name (NXDOMAIN)<br>\`expected: "v=DKIM1; k=ed25519; p=`);
    expect(r.out).toContain(`| ✅ ok | \`${SG_ORG}\` | CNAME |  |`);
  });

  test("--domain and --zone select records in published form; unknown values are usage errors listing the valid ones", async () => {
    await serve((z) => at(z, E1_COM));
    const names = async (...args: string[]) => {
      const r = await verify([...base, "-f", "json", ...args]);
      return { code: r.code, names: json(r.out).map((c) => c.name) };
    };
    expect(await names("--domain", "EXAMPLE.ORG.")).toEqual({ code: 0, names: [S1_ORG, SG_ORG] });
    expect(await names("--domain", "bücher.example.com")).toEqual({ code: 0, names: [E1_IDN] });
    expect(await names("--zone", "example.com")).toEqual({ code: 1, names: [E1_COM, E1_IDN, S1_COM] });
    expect(await names("--domain", "example.com", "--domain", "example.org")).toEqual({ code: 1, names: [E1_COM, S1_COM, S1_ORG, SG_ORG] });
    expect(await names("--zone", "example.com", "--domain", "xn--bcher-kva.example.com")).toEqual({ code: 0, names: [E1_IDN] });

    const unknown = await verify([...base, "--domain", "nope.example"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("--domain 'nope.example' is not a domain in the config; domains: example.com, example.org, xn--bcher-kva.example.com");
    const zone = await verify([...base, "--zone", "example.net"]);
    expect(zone.code).toBe(2);
    expect(zone.err).toContain("--zone 'example.net' is not a zone in the config; zones: example.com, example.org");
    const none = await verify([...base, "--domain", "example.org", "--zone", "example.com"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("no records match --domain example.org --zone example.com");
  });

  test("usage errors exit 2 before any DNS question", async () => {
    const cases: [string[], RegExp][] = [
      [["--format", "yaml"], /--format must be one of text, json, markdown, html, not 'yaml'/],
      [["--wait", "90"], /--wait must be a duration such as 90s/],
      [["--wait", "1.5m"], /--wait must be a duration/],
      [["--wait", "10m1h"], /--wait must be a duration/],
      [["--wait", "169h"], /at most a week/],
      [["--wait", "8d"], /at most a week/],
      [["--wait=-5s"], /--wait must be a duration/],
      [["--resolver", "127.0.0.1:70000"], /--resolver must be HOST or HOST:PORT/],
      [["--resolver", "[127.0.0.1]:53"], /--resolver must be HOST or HOST:PORT/],
      [["--ns-address", "ns1.example.com=127.0.0.1"], /--ns-address applies only with --authoritative/],
      [["--authoritative", "--ns-address", "127.0.0.1:53"], /--ns-address must be NS=HOST\[:PORT\]/],
      [["--bogus"], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await verify(["--config", project.config, ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
    }
  });

  test("--wait: polls with a growing interval, prints progress, and succeeds once the record appears (fake clock, real reload)", async () => {
    await serve((z) => at(z, E1_COM));
    let now = 1_000_000;
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => new Date(now),
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
        if (sleeps.length === 2) await serve(); // the record is deployed while we wait
      },
    };
    const r = await verify([...base, "--wait", "90s"], { ...FAST, clock });
    expect(r.code).toBe(0);
    expect(sleeps).toEqual([2000, 4000]);
    expect(r.err.split("\n").filter(Boolean)).toEqual([
      `verify: 4/5 ok, waiting for ${E1_COM} (missing); 1m 30s left`,
      `verify: 4/5 ok, waiting for ${E1_COM} (missing); 1m 28s left`,
    ]);
    expect(r.out).toContain("all 5 records ok");
  });

  test("--wait: gives up when time runs out, with the final report", async () => {
    await serve((z) => {
      at(z, E1_COM);
      at(z, SG_ORG);
    });
    let now = 0;
    const sleeps: number[] = [];
    const clock: Clock = {
      now: () => new Date(now),
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const r = await verify([...base, "--wait", "30s"], { ...FAST, clock });
    expect(r.code).toBe(1);
    expect(sleeps).toEqual([2000, 4000, 8000, 10000, 6000]);
    expect(r.err.split("\n")[0]).toBe(`verify: 3/5 ok, waiting for ${E1_COM} (missing), ${SG_ORG} (missing); 30s left`);
    expect(r.err.split("\n")[4]).toMatch(/; 6s left$/);
    expect(r.out).toContain("2 of 5 records not ok: 2 missing");
  });

  describe("--authoritative", () => {
    const pins = (port: number, ns = "ns1") => ["example.com", "example.org"].flatMap((z) => ["--ns-address", `${ns}.${z}=127.0.0.1:${port}`]);

    test("asks the zone's NS (found through the resolver, pinned to the test port) with RD=0", async () => {
      await serve();
      const r = await verify([...base, "--authoritative", ...pins(server.port), "--format", "json"]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const checks = json(r.out);
      expect(checks.every((c) => c.status === "ok")).toBe(true);
      expect(byName(checks, S1_COM).servers).toEqual([
        { server: `ns1.example.com (127.0.0.1:${server.port})`, status: "ok", found: expect.any(Array), detail: "" },
      ]);
      expect(byName(checks, SG_ORG).servers![0]).toMatchObject({ server: `ns1.example.org (127.0.0.1:${server.port})`, found: [SENDGRID] });

      await serve((z) => at(z, S1_COM, (old) => ({ ...old, strings: [old.strings![0]] })));
      const text = await verify([...base, "--authoritative", ...pins(server.port)]);
      expect(text.code).toBe(1);
      expect(text.out).toMatch(/^different +TXT +s1\._domainkey\.example\.com +truncated/m);
      expect(text.out).toContain(`(asked the authoritative servers; NS looked up through resolver ${server.address})`);
    });

    test("an NS that is not pinned is asked on port 53 of its address: an error there is not ok", async () => {
      await serve();
      const r = await verify([...base, "--authoritative", "--ns-address", `ns1.example.org=127.0.0.1:${server.port}`, "--format", "json"]);
      expect(r.code).toBe(1);
      const checks = json(r.out);
      expect(byName(checks, S1_COM)).toMatchObject({ status: "error", servers: [{ server: "ns1.example.com (127.0.0.1:53)", status: "error" }] });
      expect(byName(checks, S1_ORG).status).toBe("ok");
    });

    test("two authoritative servers that disagree: not ok, reported per server", async () => {
      const ns2 = (zone: string): ZoneRecord[] => [
        { name: "@", type: "NS", ttl: 300, value: `ns2.${zone}` },
        { name: "ns2", type: "A", ttl: 300, value: "127.0.0.1" },
      ];
      const other = otherRsaRecord();
      await server.reload(zonesOf(records, undefined, ns2));
      const second = await startDnsServer(
        zonesOf(
          records,
          (z) => {
            at(z, E1_COM);
            at(z, S1_ORG, (old) => ({ ...old, strings: undefined, value: other }));
          },
          ns2,
        ),
      );
      try {
        const args = [...base, "--authoritative", ...pins(server.port), ...pins(second.port, "ns2")];
        const r = await verify([...args, "--format", "json"]);
        expect(r.code).toBe(1);
        const checks = json(r.out);
        const one = `ns1.example.com (127.0.0.1:${server.port})`;
        const two = `ns2.example.com (127.0.0.1:${second.port})`;
        expect(byName(checks, E1_COM)).toMatchObject({
          status: "missing",
          detail: `the authoritative servers disagree (${one}: ok, ${two}: missing)`,
          servers: [
            { server: one, status: "ok" },
            { server: two, status: "missing", found: [], detail: "no such name (NXDOMAIN)" },
          ],
        });
        expect(byName(checks, S1_ORG)).toMatchObject({
          status: "different",
          servers: [{ status: "ok" }, { status: "different", detail: "a different key: p= differs" }],
        });
        expect(byName(checks, S1_COM)).toMatchObject({ status: "ok", servers: [{ status: "ok" }, { status: "ok" }] });

        const text = await verify(args);
        expect(text.out).toContain(`    ${one}: ok\n    ${two}: missing: no such name (NXDOMAIN)\n      found:    nothing\n`);
        expect(text.out).toContain("2 of 5 records not ok: 1 different, 1 missing");
      } finally {
        await second.stop();
      }
    });
  });

  describe("the DNS client against knotd", () => {
    const BIG = ["a".repeat(255), "b".repeat(255), "c".repeat(255)];
    beforeAll(async () => {
      await serve((z) =>
        z["example.com"].push(
          { name: "big.example.com.", type: "TXT", ttl: 60, strings: BIG },
          { name: "two.example.com.", type: "TXT", ttl: 60, strings: ["first"] },
          { name: "two.example.com.", type: "TXT", ttl: 60, strings: ["second", "part"] },
          { name: "alias.example.com.", type: "CNAME", ttl: 60, value: S1_COM },
        ),
      );
    });
    const srv = () => ({ host: "127.0.0.1", port: server.port });

    test("query with RD=0: an authoritative answer with TXT strings; SOA in the authority section of NXDOMAIN", async () => {
      const m = await query(srv(), S1_COM, "TXT");
      expect(m).toMatchObject({ rcode: 0, authoritative: true, recursionDesired: false, truncated: false, transport: "udp" });
      expect(m.answers).toEqual([{ name: S1_COM, type: "TXT", ttl: 300, data: [...records.find((r) => r.name === S1_COM)!.strings] }]);
      const nx = await query(srv(), "nope._domainkey.example.com", "TXT");
      expect(nx.rcode).toBe(3);
      expect(nx.authority[0]).toMatchObject({
        name: "example.com",
        type: "SOA",
        data: { mname: "ns1.example.com", rname: "hostmaster.example.com", serial: 1, minimum: 60 },
      });
    });

    test("a truncated UDP answer is retried over TCP (no EDNS: 512-byte limit)", async () => {
      const udpOnly = await query(srv(), "big.example.com", "TXT", { edns: false, tcpFallback: false });
      expect(udpOnly.truncated).toBe(true);
      const m = await query(srv(), "big.example.com", "TXT", { edns: false });
      expect(m).toMatchObject({ transport: "tcp", truncated: false });
      expect(m.answers).toEqual([{ name: "big.example.com", type: "TXT", ttl: 60, data: BIG }]);
    });

    test("authoritativeLookup and ResolverLookup agree: several records, CNAME, NXDOMAIN, NODATA", async () => {
      const resolver = new ResolverLookup([srv()], { timeoutMs: 1000, tries: 1 });
      try {
        for (const lookup of [(n: string, t: "TXT" | "CNAME") => authoritativeLookup(srv(), n, t), (n: string, t: "TXT" | "CNAME") => resolver.lookup(n, t)]) {
          const two = await lookup("two.example.com", "TXT");
          expect(two.kind === "answer" && two.values.map((v) => v.join("+")).sort()).toEqual(["first", "second+part"]);
          expect(await lookup(SG_ORG, "CNAME")).toEqual({ kind: "answer", values: [[SENDGRID]] });
          expect(await lookup("nope.example.com", "TXT")).toEqual({ kind: "nxdomain" });
          expect(await lookup("example.com", "CNAME")).toEqual({ kind: "nodata" });
        }
        // At the authoritative server a CNAME is not a TXT record; knot adds the in-zone target, which is followed.
        expect(await authoritativeLookup(srv(), "alias.example.com", "TXT")).toEqual({
          kind: "answer",
          values: [[...records.find((r) => r.name === S1_COM)!.strings]],
        });
        expect(await authoritativeLookup(srv(), SG_ORG, "TXT")).toEqual({ kind: "nodata", cname: SENDGRID });
        expect(await authoritativeLookup(srv(), "x.example.net", "TXT")).toEqual({ kind: "error", reason: "REFUSED from the server" });
        expect(await resolver.nameservers("example.org")).toEqual(["ns1.example.org"]);
        expect(await resolver.addresses("ns1.example.org")).toEqual(["127.0.0.1"]);
      } finally {
        resolver.cancel();
      }
    });
  });
});

describe("verify against a hostile resolver", () => {
  const SMALL = `version: 1
defaults: { ttl: 300, key: ed25519 }
zones:
  example.com: { provider: route53 }
domains:
  example.com:
    selectors: { many: {}, huge: {}, forged: {}, odd: {} }
`;
  // As many records and as large a record as a 64 KB message holds (dns-packet does not compress owner names).
  const MANY = Array.from({ length: 1000 }, (_, i) => [`v=DKIM1; p=${String(i).padStart(6, "0")}`]);
  const HUGE = Array.from({ length: 250 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(255));
  const ODD = ["v=DKIM1; n=a|b`c\\|d\nnew line; p=x"];
  let project: { config: string };
  let desired: DesiredRecord[];
  let s: ScriptedServer;
  beforeAll(async () => {
    project = await keyedProject(SMALL);
    desired = desiredRecords(loadConfig(project.config), Lock.read(loadConfig(project.config).lockFile));
    const answer = (q: Buffer) => {
      const { name } = questionOf(q);
      const label = name.split(".")[0];
      if (label === "many")
        return answerTo(
          q,
          RD | RA,
          MANY.map((data) => ({ type: "TXT", data })),
        );
      if (label === "huge") return answerTo(q, RD | RA, [{ type: "TXT", data: HUGE }]);
      if (label === "odd") return answerTo(q, RD | RA, [{ type: "TXT", data: ODD }]);
      // The readiness checks' DMARC and SPF questions: nothing there.
      if (!desired.some((r) => r.name === name)) return answerTo(q, RD | RA, []);
      return answerTo(q, RD | RA, [{ owner: `x.${name}`, type: "TXT", data: desired.find((r) => r.name === name)!.strings }]);
    };
    s = await scriptedServer((q, send) => {
      const label = questionOf(q).name.split(".")[0];
      send(label === "many" || label === "huge" ? answerTo(q, TC | RD | RA) : answer(q));
    }, answer);
  });
  afterAll(() => s?.close());
  const run = (...args: string[]) => verify(["--config", project.config, "--resolver", `127.0.0.1:${s.server.port}`, ...args]);

  test("the exact record served under another owner name is not ok", async () => {
    const r = await run("--format", "json");
    const forged = byName(json(r.out), "forged._domainkey.example.com");
    expect(forged).toMatchObject({
      status: "error",
      detail:
        "the answer has no record for forged._domainkey.example.com, only for x.forged._domainkey.example.com: not accepted as forged._domainkey.example.com's",
    });
  });

  test("1,000 records and a 64 KB record: a few abbreviated values and how many more, in every format", async () => {
    const text = await run();
    expect(text.code).toBe(1);
    expect(text.out.length).toBeLessThan(3000);
    expect(text.out).toContain(
      '    found:    "v=DKIM1; p=000000"\n    found:    "v=DKIM1; p=000001"\n    found:    "v=DKIM1; p=000002"\n    found:    and 997 more records\n',
    );
    expect(text.out).toContain(`    first difference at character 1: expected 66 characters, found 63,750\n`);
    expect(text.out).toMatch(/^ {4}found: {4}"a{24}\.\.\." \(250 strings\)$/m);

    const md = await run("--format", "markdown");
    expect(md.out.length).toBeLessThan(3000);
    expect(md.out).toContain("and 997 more records");

    const j = json((await run("--format", "json")).out);
    expect(byName(j, "many._domainkey.example.com")).toMatchObject({ status: "duplicate", foundOmitted: 990 });
    expect(byName(j, "many._domainkey.example.com").found).toEqual(MANY.slice(0, 10));
  });

  test("markdown: a value with |, backticks, a backslash and a newline stays in its cell", async () => {
    const md = await run("--format", "markdown");
    const [, records, readiness] = md.out.split("\n\n").map((table) => table.split("\n").filter((l) => l.startsWith("|")));
    expect(records).toHaveLength(2 + 4);
    for (const row of records) expect({ row, cells: gfmCells(row).length }).toEqual({ row, cells: 4 });
    expect(readiness).toHaveLength(2 + 1);
    for (const row of readiness) expect({ row, cells: gfmCells(row).length }).toEqual({ row, cells: 5 });
    const rows = records;
    expect(rows.find((r) => r.includes("odd._domainkey"))).toContain("n=a\\|b");
  });
});

describe("small parsers and descriptions", () => {
  test("parseHostPort", () => {
    expect(parseHostPort("192.0.2.1")).toEqual({ host: "192.0.2.1", port: 53 });
    expect(parseHostPort("192.0.2.1:5353")).toEqual({ host: "192.0.2.1", port: 5353 });
    expect(parseHostPort("[2001:db8::1]:5353")).toEqual({ host: "2001:db8::1", port: 5353 });
    expect(parseHostPort("2001:db8::1")).toEqual({ host: "2001:db8::1", port: 53 });
    expect(parseHostPort("dns.example.")).toEqual({ host: "dns.example.", port: 53 });
    expect(parseHostPort("dns.example:853")).toEqual({ host: "dns.example", port: 853 });
    for (const bad of ["", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "[1.2.3.4]:53", "[::1", "a b", "host:port", "-bad.example", "1.2.3.4:+53"])
      expect({ bad, parsed: parseHostPort(bad) }).toEqual({ bad, parsed: undefined });
  });

  test("parseDuration is strict; formatDuration", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("10m")).toBe(600_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("0s")).toBe(0);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("2w3d")).toBe(17 * 86_400_000);
    for (const bad of ["", "90", "1.5m", "10m1h", "5 s", "-5s", "1y", "s", "3d2w"]) expect({ bad, ms: parseDuration(bad) }).toEqual({ bad, ms: undefined });
    expect([0, 999, 42_000, 90_000, 3_600_000, 3_661_000].map(formatDuration)).toEqual(["0s", "1s", "42s", "1m 30s", "1h", "1h 1m 1s"]);
  });

  test("compare: a lookup without a usable answer (e.g. TC set even over TCP) is an error, not a missing record", () => {
    const record = { name: "big.example", type: "TXT", value: "v=DKIM1; p=", strings: ["v=DKIM1; p="] } as unknown as DesiredRecord;
    const reason = "127.0.0.1:53 answered over TCP with TC set: the answer is incomplete";
    expect(compare(record, { kind: "error", reason })).toMatchObject({ status: "error" });
  });

  test("describeTxtDifference", () => {
    const v = "v=DKIM1; k=rsa; p=ABCDEF";
    expect(describeTxtDifference(v, "v=DKIM1; k=rsa; p=ABC")).toMatch(/^truncated: the published value is the first 21 of 24 bytes/);
    expect(describeTxtDifference(v, "v=DKIM1; k=rsa; p=")).toMatch(/^truncated/);
    expect(describeTxtDifference(v, "v=DKIM1; k=rsa; t=y; p=")).toBe("the published record revokes the key (empty p=)");
    expect(describeTxtDifference(v, "v=DKIM1; k=rsa; p=XYZ")).toBe("a different key: p= differs");
    expect(describeTxtDifference(v, "v=DKIM1; k=rsa; t=y; p=ABCDEF")).toBe("the tags differ (same p=)");
    expect(describeTxtDifference(v, "google-site-verification=abc")).toBe("the published value is not a DKIM key record (no p=)");
  });
});
