/**
 * A scripted DNS server for tests of behaviour no real server shows on
 * demand: truncated answers, stray datagrams, garbage, records of other
 * owner names, 64 KB answers. Answers are encoded with dns-packet through
 * src/dns/message.ts's guarded `encodeMessage`.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import * as dnsPacket from "dns-packet";
import { encodeMessage } from "../../src/dns/message";
import type { Server } from "../../src/dns/server";

export const AA = dnsPacket.AUTHORITATIVE_ANSWER;
export const TC = dnsPacket.TRUNCATED_RESPONSE;
export const RD = dnsPacket.RECURSION_DESIRED;
export const RA = dnsPacket.RECURSION_AVAILABLE;

export interface ScriptedServer {
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * A UDP and a TCP server on one port of 127.0.0.1: each UDP query goes to
 * `udp` (which may send any number of datagrams), each TCP query to `tcp`
 * (no `tcp`: the connection is closed without an answer).
 */
export async function scriptedServer(udp: (q: Buffer, send: (b: Buffer) => void) => void, tcp?: (q: Buffer) => Buffer): Promise<ScriptedServer> {
  for (let attempt = 0; ; attempt++) {
    const u = dgram.createSocket("udp4");
    await new Promise<void>((r) => u.bind(0, "127.0.0.1", () => r()));
    const port = u.address().port;
    const t = net.createServer((sock) => {
      let data = Buffer.alloc(0);
      sock.on("error", () => undefined);
      sock.on("data", (c) => {
        data = Buffer.concat([data, c]);
        if (data.length < 2 || data.length < 2 + data.readUInt16BE(0)) return;
        if (!tcp) return void sock.end();
        const out = tcp(data.subarray(2, 2 + data.readUInt16BE(0)));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        sock.end(Buffer.concat([len, out]));
      });
    });
    const ok = await new Promise<boolean>((r) => {
      t.once("error", () => r(false));
      t.listen(port, "127.0.0.1", () => r(true));
    });
    if (!ok) {
      u.close();
      if (attempt > 10) throw new Error("no port free for UDP and TCP");
      continue;
    }
    u.on("message", (msg, rinfo) => udp(msg, (b) => u.send(b, rinfo.port, rinfo.address)));
    const close = async () => {
      await Promise.all([new Promise<void>((r) => u.close(() => r())), new Promise<void>((r) => t.close(() => r()))]);
    };
    return { server: { host: "127.0.0.1", port }, close };
  }
}

/** A record of an answer; no `owner`: the question's name. */
export type ScriptedRecord = { readonly owner?: string } & (
  | { readonly type: "TXT"; readonly data: readonly string[] }
  | { readonly type: "CNAME"; readonly data: string }
);

/** The question of query `q`, decoded by dns-packet. */
export function questionOf(q: Buffer): { id: number; name: string; type: dnsPacket.RecordType } {
  const decoded = dnsPacket.decode(q);
  const [question] = decoded.questions ?? [];
  return { id: decoded.id ?? 0, name: question.name, type: question.type };
}

/** An answer to query `q` (its id and question copied) with `flags` (AA, TC, ...; QR is added) and `records`. */
export function answerTo(q: Buffer, flags: number, records: readonly ScriptedRecord[] = []): Buffer {
  const { id, name, type } = questionOf(q);
  const answers = records.map((r): dnsPacket.Answer => {
    const owner = r.owner ?? name;
    return r.type === "TXT" ? { type: "TXT", name: owner, ttl: 60, data: [...r.data] } : { type: "CNAME", name: owner, ttl: 60, data: r.data };
  });
  return encodeMessage({ type: "response", id, flags, questions: [{ name, type, class: "IN" }], answers });
}

/** A UDP port nothing listens on (bound, then closed): datagrams to it are refused. */
export async function deadUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
