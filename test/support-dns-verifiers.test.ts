/**
 * Self-tests for the test support: a real knotd serving zones (test/support/dns-server.ts) and two
 * independent DKIM verifiers, mailauth and dkimpy (test/support/verifiers.ts).
 * Nothing here is skipped: a missing knotd / python3-dkim makes the suite fail.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { promises as dnsPromises } from "node:dns";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type DnsServer, type ZoneRecord, splitCharacterStrings, startDnsServer, zoneFile } from "./support/dns-server";
import { type TxtLookup, type VerifyResult, dkimpyVerify, mailauthVerify, signMessage } from "./support/verifiers";

const DOMAIN = "dkimctl-selftest.example";

type KeyKind = "rsa-1024" | "rsa-2048" | "rsa-4096" | "ed25519";
interface TestKey {
  kind: KeyKind;
  algorithm: "rsa" | "ed25519";
  privateKeyPem: string;
  /** DKIM TXT record value (v=DKIM1; k=...; p=...). */
  record: string;
}

function makeKey(kind: KeyKind): TestKey {
  if (kind === "ed25519") {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const spki = publicKey.export({ type: "spki", format: "der" });
    const raw = spki.subarray(spki.length - 32); // RFC 8463: p= is the raw 32-byte key
    return {
      kind,
      algorithm: "ed25519",
      privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      record: `v=DKIM1; k=ed25519; p=${raw.toString("base64")}`,
    };
  }
  const modulusLength = Number(kind.slice(4));
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength });
  return {
    kind,
    algorithm: "rsa",
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`,
  };
}

/** Change one character in the middle of p=, staying inside the base64 alphabet. */
function corrupt(record: string): string {
  const start = record.indexOf("p=") + 2;
  const i = start + Math.floor((record.length - start) / 2);
  const c = record[i];
  return record.slice(0, i) + (c === "A" ? "B" : "A") + record.slice(i + 1);
}

const revoked = (algorithm: "rsa" | "ed25519") => `v=DKIM1; k=${algorithm}; p=`;

const KINDS: KeyKind[] = ["rsa-1024", "rsa-2048", "rsa-4096", "ed25519"];
const NEGATIVE_KINDS: KeyKind[] = ["rsa-2048", "ed25519"];

function resolverFor(server: DnsServer): dnsPromises.Resolver {
  const r = new dnsPromises.Resolver({ timeout: 2000, tries: 2 });
  r.setServers([server.address]);
  return r;
}

describe("knotd test DNS server", () => {
  let server: DnsServer | undefined;
  let key2048: TestKey;

  beforeAll(() => {
    key2048 = makeKey("rsa-2048");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("zoneFile writes a master file that named-checkzone accepts, with escaped TXT strings", () => {
    const text = zoneFile(DOMAIN, [
      { name: "plain", type: "TXT", ttl: 300, strings: ["hello world; not a comment"] },
      { name: "esc", type: "TXT", ttl: 300, strings: ['quote " backslash \\ tab\t bell\x07 end', ""] },
      { name: `alias.${DOMAIN}`, type: "CNAME", ttl: 300, value: `target.provider.example` },
    ]);
    expect(text).toContain(`esc.${DOMAIN}.\t300\tIN\tTXT\t"quote \\" backslash \\\\ tab\\009 bell\\007 end" ""`);
    expect(text).toContain(`alias.${DOMAIN}.\t300\tIN\tCNAME\ttarget.provider.example.`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dkimctl-zonecheck-"));
    try {
      const file = path.join(dir, "zone");
      fs.writeFileSync(file, text);
      let out: string;
      try {
        out = execFileSync("named-checkzone", ["-i", "local", DOMAIN, file], { encoding: "utf8" });
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`named-checkzone rejected the zone (apt-get install bind9-utils if missing): ${e.stdout ?? ""}${e.stderr ?? ""}${e.message}\n${text}`);
      }
      expect(out).toMatch(/OK/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => zoneFile(DOMAIN, [{ name: "x", type: "TXT", ttl: 1, strings: ["a".repeat(256)] }])).toThrow(/255/);
  });

  test("serves a 2-string TXT record (RSA-2048 split at 255 bytes) exactly as written", async () => {
    const strings = splitCharacterStrings(key2048.record);
    expect(strings).toHaveLength(2);
    expect(Buffer.byteLength(strings[0])).toBe(255);
    const records: ZoneRecord[] = [
      { name: "sel._domainkey", type: "TXT", ttl: 300, strings },
      { name: "esc", type: "TXT", ttl: 300, strings: ['a "quoted" \\ value\x01', "second"] },
    ];
    server = await startDnsServer([{ name: DOMAIN, zoneFile: zoneFile(DOMAIN, records) }]);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);

    const r = resolverFor(server);
    expect(await r.resolveTxt(`sel._domainkey.${DOMAIN}`)).toEqual([strings]);
    expect(await r.resolveTxt(`esc.${DOMAIN}`)).toEqual([['a "quoted" \\ value\x01', "second"]]);
    expect((await r.resolveSoa(DOMAIN)).nsname).toBe(`ns1.${DOMAIN}`);
    expect(await r.resolve4(`ns1.${DOMAIN}`)).toEqual(["127.0.0.1"]);
    await expect(r.resolveTxt(`missing._domainkey.${DOMAIN}`)).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  test("reload changes the answer (same zone set: in place; new zone set: restart on the same port)", async () => {
    const s = server!;
    const port = s.port;
    // Same serial (1) on purpose: knot must still pick up the new content.
    await s.reload([{ name: DOMAIN, zoneFile: zoneFile(DOMAIN, [{ name: "sel._domainkey", type: "TXT", ttl: 300, strings: ["v=DKIM1; k=rsa; p="] }]) }]);
    expect(await resolverFor(s).resolveTxt(`sel._domainkey.${DOMAIN}`)).toEqual([["v=DKIM1; k=rsa; p="]]);
    await expect(resolverFor(s).resolveTxt(`esc.${DOMAIN}`)).rejects.toMatchObject({ code: "ENOTFOUND" });

    const other = "second-zone.example";
    await s.reload([
      { name: DOMAIN, zoneFile: zoneFile(DOMAIN, [{ name: "sel._domainkey", type: "TXT", ttl: 300, strings: ["v=DKIM1; p=new"] }]) },
      { name: other, zoneFile: zoneFile(other, [{ name: "x", type: "TXT", ttl: 60, strings: ["other zone"] }]) },
    ]);
    expect(s.port).toBe(port);
    expect(await resolverFor(s).resolveTxt(`sel._domainkey.${DOMAIN}`)).toEqual([["v=DKIM1; p=new"]]);
    expect(await resolverFor(s).resolveTxt(`x.${other}`)).toEqual([["other zone"]]);
  });

  test("a zone file knot cannot load fails fast with knot's log", async () => {
    const started = Date.now();
    await expect(startDnsServer([{ name: "broken.example", zoneFile: "$ORIGIN broken.example.\n@ 60 IN SOA a b c\n" }])).rejects.toThrow(
      /failed to load a zone[\s\S]*knotd log[\s\S]*broken\.example/,
    );
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test("a missing knotd binary fails with an install hint", async () => {
    const saved = process.env.DKIMCTL_KNOTD;
    process.env.DKIMCTL_KNOTD = "/nonexistent/knotd";
    try {
      await expect(startDnsServer([{ name: DOMAIN, zoneFile: zoneFile(DOMAIN, []) }])).rejects.toThrow(/apt-get install knot/);
    } finally {
      if (saved === undefined) delete process.env.DKIMCTL_KNOTD;
      else process.env.DKIMCTL_KNOTD = saved;
    }
  });
});

describe("DKIM verifiers (mailauth, dkimpy) via in-memory TXT and via knotd", () => {
  const keys = {} as Record<KeyKind, TestKey>;
  const txt: Record<string, string[][]> = {};
  let server: DnsServer;
  let viaTxt: TxtLookup;
  let viaDns: TxtLookup;

  const fqdn = (selector: string) => `${selector}._domainkey.${DOMAIN}`;

  beforeAll(async () => {
    for (const k of KINDS) keys[k] = makeKey(k);
    const records: Record<string, string> = {};
    for (const k of KINDS) records[k] = keys[k].record;
    for (const k of NEGATIVE_KINDS) {
      const otherKey = k === "ed25519" ? makeKey("ed25519") : makeKey("rsa-2048");
      records[`wrong-${k}`] = otherKey.record;
      records[`corrupt-${k}`] = corrupt(keys[k].record);
      records[`revoked-${k}`] = revoked(keys[k].algorithm);
    }
    const zoneRecords: ZoneRecord[] = [];
    for (const [selector, value] of Object.entries(records)) {
      const strings = splitCharacterStrings(value);
      txt[fqdn(selector)] = [strings];
      zoneRecords.push({ name: `${selector}._domainkey`, type: "TXT", ttl: 300, strings });
    }
    server = await startDnsServer([{ name: DOMAIN, zoneFile: zoneFile(DOMAIN, zoneRecords) }]);
    viaTxt = { txt };
    viaDns = { dns: { host: server.host, port: server.port } };
  });
  afterAll(async () => {
    await server?.stop();
  });

  const sign = (k: KeyKind, selector: string = k) =>
    signMessage({ privateKeyPem: keys[k].privateKeyPem, domain: DOMAIN, selector, algorithm: keys[k].algorithm });

  async function verifyAll(message: string): Promise<Record<string, VerifyResult>> {
    const [mt, md, pt, pd] = await Promise.all([
      mailauthVerify(message, viaTxt),
      mailauthVerify(message, viaDns),
      dkimpyVerify(message, viaTxt),
      dkimpyVerify(message, viaDns),
    ]);
    return { "mailauth/txt": mt, "mailauth/dns": md, "dkimpy/txt": pt, "dkimpy/dns": pd };
  }

  const summary = (r: Record<string, VerifyResult>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.ok]));

  test("the served records are exactly the in-memory ones", async () => {
    const r = resolverFor(server);
    for (const [name, recs] of Object.entries(txt)) {
      expect(await r.resolveTxt(name)).toEqual(recs);
    }
  });

  test.each(KINDS)("%s: a signed message passes both verifiers via txt and via dns", async (k) => {
    const message = await sign(k);
    expect(message).toMatch(new RegExp(`^DKIM-Signature:[\\s\\S]*a=${keys[k].algorithm}-sha256`));
    const res = await verifyAll(message);
    expect({ summary: summary(res), res }).toMatchObject({
      summary: { "mailauth/txt": true, "mailauth/dns": true, "dkimpy/txt": true, "dkimpy/dns": true },
    });
    expect(res["mailauth/txt"].detail).toMatch(/: pass/);
    expect(res["dkimpy/dns"].detail).toMatch(/: pass/);
  });

  const allFail = { "mailauth/txt": false, "mailauth/dns": false, "dkimpy/txt": false, "dkimpy/dns": false };

  /** Every verifier failed, and it failed evaluating the signature with that selector (not for lack of one). */
  function expectAllFail(res: Record<string, VerifyResult>, selector: string): void {
    expect({ summary: summary(res), res }).toMatchObject({ summary: allFail });
    for (const r of Object.values(res)) expect(r.detail).toMatch(new RegExp(`d=${DOMAIN.replace(/\./g, "\\.")} s=${selector} a=`));
  }

  test.each(NEGATIVE_KINDS)("%s: the record of another key fails in both verifiers", async (k) => {
    const res = await verifyAll(await sign(k, `wrong-${k}`));
    expectAllFail(res, `wrong-${k}`);
  });

  test.each(NEGATIVE_KINDS)("%s: a record with one character of p= changed fails in both verifiers", async (k) => {
    const res = await verifyAll(await sign(k, `corrupt-${k}`));
    expectAllFail(res, `corrupt-${k}`);
  });

  test.each(NEGATIVE_KINDS)("%s: a revoked record (empty p=) fails in both verifiers", async (k) => {
    const res = await verifyAll(await sign(k, `revoked-${k}`));
    expectAllFail(res, `revoked-${k}`);
  });

  test.each(NEGATIVE_KINDS)("%s: a tampered body fails in both verifiers", async (k) => {
    const message = await sign(k);
    expect(message).toContain("still preliminary");
    const res = await verifyAll(message.replace("still preliminary", "final"));
    expectAllFail(res, k);
    expect(res["mailauth/txt"].detail).toMatch(/body hash did not verify/);
    expect(res["dkimpy/txt"].detail).toMatch(/body hash mismatch/);
  });

  test("an unsigned selector lookup miss is a failure, and an unreachable DNS server throws", async () => {
    const message = await sign("rsa-2048", "no-such-selector");
    expect((await mailauthVerify(message, viaTxt)).ok).toBe(false);
    expect((await dkimpyVerify(message, viaTxt)).ok).toBe(false);
    expect((await mailauthVerify(message, viaDns)).ok).toBe(false);
    expect((await dkimpyVerify(message, viaDns)).ok).toBe(false);

    const dead = await startDnsServer([{ name: "dead.example", zoneFile: zoneFile("dead.example", []) }]);
    await dead.stop();
    const deadLookup: TxtLookup = { dns: { host: dead.host, port: dead.port } };
    const good = await sign("rsa-2048");
    await expect(mailauthVerify(good, deadLookup, { dnsTimeoutMs: 1000 })).rejects.toThrow(/mailauth could not verify/);
    await expect(dkimpyVerify(good, deadLookup, { dnsTimeoutMs: 1000 })).rejects.toThrow(/dkimpy could not verify/);
  });
});
