/**
 * The DNS layer below verify: messages (dns-packet behind src/dns/message.ts) with hand-built
 * packets, and the transport and lookups against a scripted server that misbehaves on purpose.
 * verify end to end against a real server (knot) is in verify.test.ts.
 */
import * as dnsPacket from "dns-packet";
import fc from "fast-check";
import { authoritativeLookup, interpretAuthoritative } from "../src/dns/lookup";
import { buildQuery, DnsFormatError, encodeMessage, type Message, parseMessage } from "../src/dns/message";
import { ResolverLookup } from "../src/dns/resolver";
import { parseServer } from "../src/dns/server";
import { query } from "../src/dns/transport";
import { AA, answerTo, deadUdpPort, questionOf, RA, RD, scriptedServer, type ScriptedRecord, TC } from "./support/scripted-dns-server";

const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, OPT: 41 } as const;

/** Builds messages byte by byte (compression pointers, malformed data): what dns-packet never writes. */
class Packet {
  private bytes: number[] = [];
  get offset() {
    return this.bytes.length;
  }
  u8(...v: number[]) {
    this.bytes.push(...v);
    return this;
  }
  u16(v: number) {
    return this.u8(v >> 8, v & 0xff);
  }
  u32(v: number) {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }
  labels(...labels: string[]) {
    for (const l of labels) this.u8(l.length, ...Buffer.from(l, "latin1"));
    return this;
  }
  pointer(to: number) {
    return this.u16(0xc000 | to);
  }
  header(id: number, flags: number, qd: number, an: number, ns = 0, ar = 0) {
    return this.u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  /** RR header after the owner name, then `rdata` written by `fill` (its length patched in). */
  rr(type: number, ttl: number, fill: (p: Packet) => void) {
    this.u16(type).u16(1).u32(ttl);
    const lenAt = this.offset;
    this.u16(0);
    const start = this.offset;
    fill(this);
    const len = this.offset - start;
    this.bytes[lenAt] = len >> 8;
    this.bytes[lenAt + 1] = len & 0xff;
    return this;
  }
  txt(...strings: (string | Buffer)[]) {
    for (const s of strings) {
      const b = typeof s === "string" ? Buffer.from(s, "utf8") : s;
      if (b.length > 255) throw new RangeError(`a character-string holds at most 255 bytes, not ${b.length}`);
      this.u8(b.length, ...b);
    }
    return this;
  }
  buffer() {
    return Buffer.from(this.bytes);
  }
}

/** A response to `name`/TXT with the question at offset 12; `answers` writes the answer section. */
function response(id: number, flags: number, name: string[], ancount: number, answers: (p: Packet) => void, nscount = 0, arcount = 0): Buffer {
  const p = new Packet().header(id, flags, 1, ancount, nscount, arcount);
  p.labels(...name)
    .u8(0)
    .u16(TYPE.TXT)
    .u16(1);
  answers(p);
  return p.buffer();
}

describe("DNS messages: dns-packet behind encodeMessage and parseMessage", () => {
  test("buildQuery: header flags, the question, an EDNS(0) OPT record announcing 1232 bytes; RD only when asked", () => {
    const q = buildQuery(0xbeef, "S1._domainkey.Example.com.", "TXT", { recursionDesired: false });
    expect(q.subarray(0, 12).toString("hex")).toBe("beef" + "0000" + "0001" + "0000" + "0000" + "0001");
    const decoded = dnsPacket.decode(q);
    expect(decoded.questions).toEqual([{ name: "S1._domainkey.Example.com", type: "TXT", class: "IN" }]);
    expect(decoded.additionals).toMatchObject([{ type: "OPT", name: ".", udpPayloadSize: 1232, ednsVersion: 0, flag_do: false }]);
    expect(parseMessage(q)).toMatchObject({
      id: 0xbeef,
      response: false,
      recursionDesired: false,
      question: [{ name: "S1._domainkey.Example.com", type: "TXT" }],
    });
    const rd = buildQuery(1, "example.com", "CNAME", { recursionDesired: true, edns: false });
    expect(rd.readUInt16BE(2)).toBe(0x0100);
    expect(rd.readUInt16BE(10)).toBe(0);
    expect(dnsPacket.decode(buildQuery(2, ".", "NS")).questions).toEqual([{ name: ".", type: "NS", class: "IN" }]);
  });

  test("names dns-packet would corrupt are refused: a label over 63 octets, an empty label, a name over 255 octets", () => {
    expect(() => buildQuery(1, `${"a".repeat(64)}.example`, "TXT")).toThrow(/invalid DNS name 'a{20}.*': a label must be 1\.\.63 octets/);
    expect(() => buildQuery(1, "a..b", "TXT")).toThrow(/1\.\.63 octets/);
    expect(() => buildQuery(1, ".a", "TXT")).toThrow(/1\.\.63 octets/);
    expect(() => buildQuery(1, Array(130).fill("ab").join("."), "TXT")).toThrow(/longer than 255 octets/);
    expect(() => buildQuery(1, `${"é".repeat(32)}.example`, "TXT")).toThrow(/1\.\.63 octets/); // 64 bytes of UTF-8
    const cname = { type: "response" as const, answers: [{ type: "CNAME" as const, name: "a.example", data: `${"b".repeat(64)}.example` }] };
    expect(() => encodeMessage(cname)).toThrow(/a label must be 1\.\.63 octets/);
  });

  test("a TXT string over 255 bytes is refused when encoding: dns-packet alone writes a message that does not decode back", () => {
    const txt = (...data: string[]): dnsPacket.Packet => ({ type: "response", answers: [{ type: "TXT", name: "big.example", ttl: 60, data }] });
    const raw = dnsPacket.encode(txt("x".repeat(256))); // no complaint from dns-packet ...
    expect(() => parseMessage(raw)).toThrow(DnsFormatError); // ... and the length byte it wrote is 256 mod 256
    expect(() => encodeMessage(txt("x".repeat(256)))).toThrow("TXT record for big.example: string 1 is 256 bytes; a character-string holds at most 255");
    expect(() => encodeMessage(txt("v=DKIM1;", "é".repeat(128)))).toThrow(/string 2 is 256 bytes/); // bytes, not characters
    expect(() => encodeMessage(txt(...Array<string>(257).fill("x".repeat(255))))).toThrow(/65792 bytes of data; a record holds at most 65535/);
    const max = ["x".repeat(255), "é".repeat(127), ""];
    expect(parseMessage(encodeMessage(txt(...max))).answers).toEqual([{ name: "big.example", type: "TXT", ttl: 60, data: max }]);
  });

  test("parses compressed names (whole-name and suffix pointers), several strings, empty and non-UTF-8 strings", () => {
    const buf = response(7, 0x8400, ["s1", "_domainkey", "example", "com"], 3, (p) => {
      p.pointer(12).rr(TYPE.TXT, 300, (r) => r.txt("v=DKIM1; k=rsa; ", "p=MIIB", ""));
      // "x" + pointer to "example.com" inside the question (offset 12 + 3 + 11 = 26)
      p.labels("x")
        .pointer(26)
        .rr(TYPE.CNAME, 60, (r) => r.labels("target").pointer(12));
      p.pointer(26).rr(TYPE.TXT, 60, (r) => r.txt(Buffer.from([0x63, 0x61, 0x66, 0xe9]), "caf\u00e9"));
    });
    const m = parseMessage(buf);
    expect(m).toMatchObject({ id: 7, response: true, authoritative: true, truncated: false, rcode: 0 });
    expect(m.question).toEqual([{ name: "s1._domainkey.example.com", type: "TXT" }]);
    expect(m.answers).toEqual([
      { name: "s1._domainkey.example.com", type: "TXT", ttl: 300, data: ["v=DKIM1; k=rsa; ", "p=MIIB", ""] },
      { name: "x.example.com", type: "CNAME", ttl: 60, data: "target.s1._domainkey.example.com" },
      { name: "example.com", type: "TXT", ttl: 60, data: ["caf\u00e9", "café"] }, // latin1 fallback for invalid UTF-8, UTF-8 when valid
    ]);
  });

  test("SOA and NS in the authority section; other types by name; TC and RCODE flags; the extended RCODE of OPT", () => {
    const buf = response(
      9,
      0x8203,
      ["a", "example"],
      1,
      (p) => {
        p.pointer(12).rr(65280, 5, (r) => r.u8(1, 2, 3));
        p.pointer(14).rr(TYPE.SOA, 60, (r) => r.labels("ns1").pointer(14).labels("host").pointer(14).u32(2026).u32(1).u32(2).u32(3).u32(4));
        p.pointer(14).rr(TYPE.NS, 60, (r) => r.labels("ns2").pointer(14));
        p.u8(0).u16(TYPE.OPT).u16(1232).u8(1, 0).u16(0).u16(0); // extended RCODE 1: 1 << 4 | 3
      },
      2,
      1,
    );
    const m = parseMessage(buf);
    expect(m).toMatchObject({ truncated: true, authoritative: false, rcode: (1 << 4) | 3 });
    expect(m.answers).toEqual([{ name: "a.example", type: "OTHER", rrtype: "TYPE65280", ttl: 5 }]);
    expect(m.authority).toEqual([
      { name: "example", type: "SOA", ttl: 60, data: { mname: "ns1.example", rname: "host.example", serial: 2026, minimum: 4 } },
      { name: "example", type: "NS", ttl: 60, data: "ns2.example" },
    ]);
    expect(m.additional).toEqual([{ name: "", type: "OTHER", rrtype: "OPT", ttl: 0 }]);
  });

  test("names are printable: control characters, spaces, backslashes and non-ASCII bytes of a label are escaped", () => {
    const buf = response(1, 0x8400, ["x"], 1, (p) =>
      p
        .labels("a\nb", "c d\\", "\u001b[31m", "\u00e9", "example")
        .u8(0)
        .rr(TYPE.TXT, 1, (r) => r.txt("v")),
    );
    const [rr] = parseMessage(buf).answers;
    expect(rr.name).toBe("a\\010b.c\\032d\\\\.\\027[31m.\\239\\191\\189.example");
  });

  test("malformed messages are DnsFormatErrors that say what is wrong: pointer loops, forward pointers, cut and overrunning data", () => {
    const loop = new Packet().header(1, 0x8000, 1, 0).pointer(12).u16(TYPE.TXT).u16(1).buffer(); // the name points at itself
    const forward = new Packet().header(1, 0x8000, 1, 0).pointer(20).u16(TYPE.TXT).u16(1).u8(0, 0, 0, 0).buffer();
    const overrun = response(1, 0x8000, ["x"], 1, (p) => p.pointer(12).rr(TYPE.TXT, 1, (r) => r.u8(10, 0x61, 0x62)));
    const cut = response(1, 0x8000, ["x"], 1, (p) => p.pointer(12).rr(TYPE.TXT, 1, (r) => r.txt("hello")));
    const badLabel = new Packet().header(1, 0x8000, 1, 0).u8(0x40, 0).u16(TYPE.TXT).u16(1).buffer();
    const longName = new Packet()
      .header(1, 0x8000, 1, 0)
      .labels(...Array(5).fill("a".repeat(63)))
      .u8(0)
      .u16(TYPE.TXT)
      .u16(1)
      .buffer();
    const cases: [Buffer, string | RegExp][] = [
      [loop, "a name has a bad compression pointer (a loop or a forward reference)"],
      [forward, "a name has a bad compression pointer (a loop or a forward reference)"],
      [overrun, "a TXT character-string overruns its record data"],
      [badLabel, "a name has an unknown label type"],
      [longName, "a name is longer than 255 octets"],
      [Buffer.alloc(5), "message of 5 bytes is shorter than a DNS header"],
      [new Packet().header(1, 0x8000, 1, 0).buffer(), /^message of 12 bytes ends inside a name or record$/],
    ];
    for (let keep = 1; keep < cut.length - 12; keep++) cases.push([cut.subarray(0, -keep), /^message of \d+ bytes ends inside a (name or )?record$/]);
    for (const [buf, reason] of cases) {
      let error: unknown;
      try {
        parseMessage(buf);
      } catch (e) {
        error = e;
      }
      expect({ bytes: buf.toString("hex"), error }).toEqual({ bytes: buf.toString("hex"), error: expect.any(DnsFormatError) });
      expect((error as Error).message).toMatch(reason);
    }
  });

  test("any corruption of an answer decodes to a well-formed Message or fails with a DnsFormatError, never another error", () => {
    const valid = response(
      3,
      0x8580,
      ["s1", "_domainkey", "example", "com"],
      2,
      (p) => {
        p.pointer(12).rr(TYPE.CNAME, 60, (r) => r.labels("t").pointer(26));
        p.labels("t")
          .pointer(26)
          .rr(TYPE.TXT, 60, (r) => r.txt("v=DKIM1; k=ed25519; ", "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="));
        p.pointer(26).rr(TYPE.SOA, 60, (r) => r.labels("ns1").pointer(26).labels("host").pointer(26).u32(1).u32(2).u32(3).u32(4).u32(5));
        p.pointer(26).rr(TYPE.NS, 60, (r) => r.labels("ns1").pointer(26));
        p.u8(0).u16(TYPE.OPT).u16(1232).u32(0).u16(0);
      },
      2,
      1,
    );
    expect(parseMessage(valid).answers).toHaveLength(2);
    const printable = /^[\x21-\x7e]*$/;
    const wellFormed = (m: Message) => {
      for (const rr of [...m.answers, ...m.authority, ...m.additional]) {
        expect(rr.name).toMatch(printable);
        if (rr.type === "TXT") expect(rr.data.every((s) => typeof s === "string")).toBe(true);
        if (rr.type === "CNAME" || rr.type === "NS" || rr.type === "PTR") expect(rr.data).toMatch(printable);
      }
      for (const q of m.question) expect(q.name).toMatch(printable);
      expect(Number.isInteger(m.rcode)).toBe(true);
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.option(fc.nat(valid.length)), (edits, cut) => {
        const buf = Buffer.from(valid);
        for (const [at, byte] of edits) buf[at] = byte;
        let m: Message;
        try {
          m = parseMessage(cut === null ? buf : buf.subarray(0, cut));
        } catch (e) {
          if (!(e instanceof DnsFormatError)) throw e;
          return;
        }
        wellFormed(m);
      }),
      { numRuns: 4000 },
    );
  });

  test("a 64 KB message of the longest pointer chains it can hold decodes in bounded time", () => {
    // 16,000 pointers, each to the one before, then 2,300 records whose owner names start at the last one.
    const p = new Packet().header(1, 0x8400, 1, 2301).labels("a").u8(0).u16(TYPE.TXT).u16(1);
    p.pointer(12).rr(99, 0, (r) => {
      for (let i = 0; i < 16_000; i++) r.pointer(i === 0 ? 12 : r.offset - 2);
    });
    const last = p.offset - 2;
    for (let i = 0; i < 2300; i++) p.pointer(last).rr(TYPE.TXT, 0, (r) => r.txt("x"));
    const buf = p.buffer();
    expect(buf.length).toBeLessThanOrEqual(65535);
    // CPU time, not wall time: on a shared machine other processes' load must not fail the bound.
    const started = process.cpuUsage();
    expect(parseMessage(buf).answers.filter((r) => r.name === "a")).toHaveLength(2301);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(3000);
  });

  test("interpretAuthoritative: a referral or a missing AA bit is an error, SERVFAIL is an error, CNAME chains are followed", () => {
    const referral = parseMessage(
      response(1, 0x8000, ["s1", "example", "com"], 0, (p) => p.pointer(15).rr(TYPE.NS, 60, (r) => r.labels("ns", "other").u8(0)), 1),
    );
    expect(interpretAuthoritative(referral, "s1.example.com", "TXT")).toEqual({
      kind: "error",
      reason: "not authoritative: referral to ns.other (lame delegation?)",
    });
    const noAa = parseMessage(response(1, 0x8000, ["s1", "example", "com"], 0, () => undefined));
    expect(interpretAuthoritative(noAa, "s1.example.com", "TXT")).toEqual({ kind: "error", reason: "not authoritative for the name (AA not set)" });
    const servfail = parseMessage(response(1, 0x8402, ["s1", "example", "com"], 0, () => undefined));
    expect(interpretAuthoritative(servfail, "s1.example.com", "TXT")).toEqual({ kind: "error", reason: "SERVFAIL from the server" });
    const chain = parseMessage(
      response(1, 0x8400, ["s1", "example", "com"], 2, (p) => {
        p.pointer(12).rr(TYPE.CNAME, 60, (r) => r.labels("t").pointer(15));
        p.labels("T")
          .pointer(15)
          .rr(TYPE.TXT, 60, (r) => r.txt("v=DKIM1; p=x"));
      }),
    );
    expect(interpretAuthoritative(chain, "S1.example.com.", "TXT")).toEqual({ kind: "answer", values: [["v=DKIM1; p=x"]] });
    expect(interpretAuthoritative(chain, "s1.example.com", "CNAME")).toEqual({ kind: "answer", values: [["t.example.com"]] });
  });

  test("parseServer reads node:dns's server list", () => {
    expect(parseServer("192.0.2.1")).toEqual({ host: "192.0.2.1", port: 53 });
    expect(parseServer("192.0.2.1:5353")).toEqual({ host: "192.0.2.1", port: 5353 });
    expect(parseServer("2001:db8::1")).toEqual({ host: "2001:db8::1", port: 53 });
    expect(parseServer("[2001:db8::1]:5353")).toEqual({ host: "2001:db8::1", port: 5353 });
    for (const bad of ["", "dns.example", "dns.example:53", "[192.0.2.1]:53", "192.0.2.1:0", "192.0.2.1:65536", "[::1]", "::1:53:"])
      expect({ bad, parsed: parseServer(bad) }).toEqual({ bad, parsed: undefined });
  });
});

describe("UDP/TCP exchange with a scripted server", () => {
  test("TC=1 over UDP: the question is asked again over TCP; without fallback the truncated answer is returned", async () => {
    const strings = ["x".repeat(255), "y".repeat(255)];
    let tcpQueries = 0;
    const s = await scriptedServer(
      (q, send) => send(answerTo(q, AA | TC)),
      (q) => {
        tcpQueries++;
        return answerTo(q, AA, [{ type: "TXT", data: strings }]);
      },
    );
    try {
      const m = await query(s.server, "big.example", "TXT");
      expect(m).toMatchObject({ transport: "tcp", truncated: false, authoritative: true });
      expect(m.answers).toEqual([{ name: "big.example", type: "TXT", ttl: 60, data: strings }]);
      const t = await query(s.server, "big.example", "TXT", { tcpFallback: false });
      expect(t).toMatchObject({ transport: "udp", truncated: true, answers: [] });
      expect(tcpQueries).toBe(1);
    } finally {
      await s.close();
    }
  });

  test("datagrams with another id or another question are ignored; silence is a timeout; garbage with our id is an error", async () => {
    let mode: "stray" | "silent" | "garbage" | "cut" = "stray";
    const s = await scriptedServer((q, send) => {
      if (mode === "silent") return;
      if (mode === "garbage") return send(Buffer.concat([q.subarray(0, 2), Buffer.from([0x80, 0, 0, 1])]));
      const real = answerTo(q, AA, [{ type: "TXT", data: ["real"] }]);
      if (mode === "cut") return send(real.subarray(0, -3));
      const wrongId = Buffer.from(answerTo(q, AA, [{ type: "TXT", data: ["spoofed"] }]));
      wrongId.writeUInt16BE((q.readUInt16BE(0) + 1) & 0xffff, 0);
      send(wrongId);
      send(Buffer.from([0xff])); // not even an id
      const { id } = questionOf(q);
      const other = (name: string, type: "TXT" | "CNAME") => encodeMessage({ type: "response", id, flags: AA, questions: [{ name, type }] });
      send(other("b.example", "TXT")); // our id, another question
      send(other("a.example", "CNAME"));
      setTimeout(() => send(real), 20);
    });
    try {
      expect((await query(s.server, "a.example", "TXT")).answers).toEqual([{ name: "a.example", type: "TXT", ttl: 60, data: ["real"] }]);
      mode = "silent";
      const started = Date.now();
      await expect(query(s.server, "a.example", "TXT", { timeoutMs: 200, tries: 2 })).rejects.toMatchObject({
        code: "ETIMEOUT",
        message: expect.stringMatching(/^no answer from 127\.0\.0\.1:\d+ within 200 ms$/),
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(380);
      mode = "garbage";
      await expect(query(s.server, "a.example", "TXT")).rejects.toMatchObject({
        code: "EBADRESP",
        message: expect.stringMatching(/^malformed answer from 127\.0\.0\.1:\d+: message of 6 bytes is shorter than a DNS header$/),
      });
      mode = "cut";
      const cut = { code: "EBADRESP", message: expect.stringMatching(/ends inside a (name or )?record$/) };
      await expect(query(s.server, "a.example", "TXT")).rejects.toMatchObject(cut);
    } finally {
      await s.close();
    }
    const dead = { host: "127.0.0.1", port: await deadUdpPort() };
    await expect(query(dead, "a.example", "TXT")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  test("over TCP: an answer to another question, garbage, or a connection closed early is an error", async () => {
    let mode: "other" | "garbage" = "other";
    const s = await scriptedServer(
      (q, send) => send(answerTo(q, AA | TC)),
      (q) => {
        if (mode === "garbage") return Buffer.from("not a DNS message");
        const { id } = questionOf(q);
        return encodeMessage({ type: "response", id, flags: AA, questions: [{ name: "b.example", type: "TXT" }] });
      },
    );
    const closing = await scriptedServer((q, send) => send(answerTo(q, AA | TC)));
    const bad = (message: RegExp) => ({ code: "EBADRESP", message: expect.stringMatching(message) });
    try {
      await expect(query(s.server, "a.example", "TXT")).rejects.toMatchObject(bad(/answered over TCP with a message that does not match the question/));
      mode = "garbage";
      await expect(query(s.server, "a.example", "TXT")).rejects.toMatchObject(bad(/^malformed answer from 127\.0\.0\.1:\d+ over TCP: /));
      await expect(query(closing.server, "a.example", "TXT")).rejects.toMatchObject(bad(/closed the TCP connection before a full answer/));
    } finally {
      await Promise.all([s.close(), closing.close()]);
    }
  });

  test("records for another owner name are not the queried name's (resolver and authoritative); a CNAME chain from the name is followed", async () => {
    const s = await scriptedServer((q, send) => {
      const { name, type } = questionOf(q);
      const evil: ScriptedRecord =
        type === "CNAME"
          ? { owner: "evil.example", type: "CNAME", data: "evil.target.example" }
          : { owner: "evil.example", type: "TXT", data: ["v=DKIM1; p=evil"] };
      const records: Record<string, ScriptedRecord[]> = {
        forged: [evil],
        chain: [
          { type: "CNAME", data: "t.example" },
          { owner: "evil.example", type: "TXT", data: ["v=DKIM1; p=evil"] },
          { owner: "T.example", type: "TXT", data: ["v=DKIM1; p=good"] },
        ],
        mixed: [
          { owner: "evil.example", type: "TXT", data: ["v=DKIM1; p=evil"] },
          { type: "TXT", data: ["v=DKIM1; p=good"] },
        ],
      };
      send(answerTo(q, AA | RD | RA, records[name.split(".")[0]]));
    });
    const resolver = new ResolverLookup([s.server], { timeoutMs: 1000, tries: 1 });
    try {
      const lookups = {
        resolver: (n: string, t: "TXT" | "CNAME") => resolver.lookup(n, t),
        authoritative: (n: string, t: "TXT" | "CNAME") => authoritativeLookup(s.server, n, t),
      };
      for (const [mode, lookup] of Object.entries(lookups)) {
        const got = async (n: string, t: "TXT" | "CNAME") => ({ mode, n, t, result: await lookup(n, t) });
        const foreign = {
          kind: "error",
          reason: "the answer has no record for forged.example, only for evil.example: not accepted as forged.example's",
        };
        expect(await got("forged.example", "TXT")).toEqual({ mode, n: "forged.example", t: "TXT", result: foreign });
        expect(await got("forged.example", "CNAME")).toEqual({ mode, n: "forged.example", t: "CNAME", result: foreign });
        expect(await got("chain.example", "TXT")).toEqual({ mode, n: "chain.example", t: "TXT", result: { kind: "answer", values: [["v=DKIM1; p=good"]] } });
        expect(await got("mixed.example", "TXT")).toEqual({ mode, n: "mixed.example", t: "TXT", result: { kind: "answer", values: [["v=DKIM1; p=good"]] } });
      }
    } finally {
      resolver.cancel();
      await s.close();
    }
  });

  test("a TCP answer that still has TC set is an error, not a missing record", async () => {
    const s = await scriptedServer(
      (q, send) => send(answerTo(q, AA | TC)),
      (q) => answerTo(q, AA | TC),
    );
    const resolver = new ResolverLookup([s.server], { timeoutMs: 1000, tries: 1 });
    try {
      const incomplete = /answered over TCP with TC set: the answer is incomplete/;
      await expect(query(s.server, "big.example", "TXT")).rejects.toMatchObject({ code: "EBADRESP", message: expect.stringMatching(incomplete) });
      const tc = { kind: "error", reason: expect.stringMatching(incomplete) };
      expect(await authoritativeLookup(s.server, "big.example", "TXT")).toEqual(tc);
      expect(await resolver.lookup("big.example", "TXT")).toEqual(tc);
      // A truncated answer that was not retried over TCP is not a complete answer either.
      const udp = await query(s.server, "big.example", "TXT", { tcpFallback: false });
      expect(interpretAuthoritative(udp, "big.example", "TXT")).toEqual({
        kind: "error",
        reason: "the answer is truncated (TC set) and was not retried over TCP: it may be incomplete",
      });
    } finally {
      resolver.cancel();
      await s.close();
    }
  });

  test("a resolver without EDNS (FORMERR) is asked again without it; other RCODEs are errors in the resolver's words", async () => {
    const seen: boolean[] = [];
    const s = await scriptedServer((q, send) => {
      const edns = (dnsPacket.decode(q).additionals ?? []).some((r) => r.type === "OPT");
      seen.push(edns);
      const { name } = questionOf(q);
      if (name.startsWith("refused")) return send(answerTo(q, RA | 5));
      send(edns ? answerTo(q, RA | 1) : answerTo(q, RA, [{ type: "TXT", data: ["v=DKIM1; p=x"] }]));
    });
    const resolver = new ResolverLookup([s.server], { timeoutMs: 1000, tries: 1 });
    try {
      expect(await resolver.lookup("old.example", "TXT")).toEqual({ kind: "answer", values: [["v=DKIM1; p=x"]] });
      expect(seen).toEqual([true, false]);
      expect(await resolver.lookup("refused.example", "TXT")).toEqual({ kind: "error", reason: "the resolver REFUSED the query" });
    } finally {
      resolver.cancel();
      await s.close();
    }
  });
});
