/**
 * One question to one server: UDP, then TCP when the answer is truncated,
 * with the RD bit under the caller's control. node:dns always sets RD=1,
 * which an authoritative server may treat differently (and a recursive one
 * answers from cache), so asking authoritative servers needs this.
 *
 * Only an answer to our question counts: a datagram with another id is
 * ignored unread, one with our id but another question is ignored, and one
 * with our id that cannot be decoded ends the exchange (EBADRESP).
 */
import { randomInt } from "node:crypto";
import * as dgram from "node:dgram";
import * as net from "node:net";
import { buildQuery, type Message, parseMessage, type QueryOptions, type QuestionType } from "./message";
import { sameName } from "./names";
import { formatServer, type Server } from "./server";

/** A failed exchange: no usable answer (timeout, refused connection, malformed reply). */
export class DnsQueryError extends Error {
  constructor(
    message: string,
    readonly code: "ETIMEOUT" | "ECONNREFUSED" | "EBADRESP" | "ENETWORK",
  ) {
    super(message);
  }
}

export interface ExchangeOptions extends QueryOptions {
  /** Per attempt. @default 3000 */
  readonly timeoutMs?: number;
  /** UDP attempts before giving up. @default 2 */
  readonly tries?: number;
  /** Retry over TCP when the UDP answer has TC=1. @default true */
  readonly tcpFallback?: boolean;
}

export interface QueryResult extends Message {
  /** How the returned message came: `tcp` after a truncated UDP answer. */
  readonly transport: "udp" | "tcp";
}

/** Asks `server` one question; falls back to TCP when the UDP answer is truncated. */
export async function query(server: Server, name: string, type: QuestionType, opts: ExchangeOptions = {}): Promise<QueryResult> {
  if (!net.isIP(server.host)) throw new RangeError(`server '${server.host}' must be an IP address`);
  const id = randomInt(0, 0x10000);
  const packet = buildQuery(id, name, type, opts);
  const matches = (m: Message) => m.id === id && m.response && m.question.length === 1 && m.question[0].type === type && sameName(m.question[0].name, name);
  const timeoutMs = opts.timeoutMs ?? 3000;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.max(1, opts.tries ?? 2); attempt++) {
    try {
      const udp = await udpExchange(server, packet, matches, timeoutMs);
      if (!udp.truncated || opts.tcpFallback === false) return { ...udp, transport: "udp" };
      const tcp = parseReply(server, await tcpExchange(server, packet, timeoutMs), "over TCP");
      if (!matches(tcp)) throw new DnsQueryError(`${formatServer(server)} answered over TCP with a message that does not match the question`, "EBADRESP");
      if (tcp.truncated) throw new DnsQueryError(`${formatServer(server)} answered over TCP with TC set: the answer is incomplete`, "EBADRESP");
      return { ...tcp, transport: "tcp" };
    } catch (e) {
      lastError = e;
      if (!(e instanceof DnsQueryError && e.code === "ETIMEOUT")) break; // only a lost datagram is worth another try
    }
  }
  throw lastError;
}

/** Decodes a reply that carries our id: a message we cannot decode means the server is broken. */
function parseReply(server: Server, reply: Buffer, how = ""): Message {
  try {
    return parseMessage(reply);
  } catch (e) {
    throw new DnsQueryError(`malformed answer from ${formatServer(server)}${how ? ` ${how}` : ""}: ${(e as Error).message}`, "EBADRESP");
  }
}

function udpExchange(server: Server, packet: Buffer, matches: (m: Message) => boolean, timeoutMs: number): Promise<Message> {
  const id = packet.readUInt16BE(0);
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? "udp6" : "udp4");
    let done = false;
    const finish = (err: Error | undefined, m?: Message) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(m!);
    };
    const timer = setTimeout(() => finish(new DnsQueryError(`no answer from ${formatServer(server)} within ${timeoutMs} ms`, "ETIMEOUT")), timeoutMs);
    socket.on("error", (e: NodeJS.ErrnoException) => finish(networkError(server, e)));
    socket.on("message", (msg) => {
      if (msg.length < 2 || msg.readUInt16BE(0) !== id) return; // a stray or spoofed datagram: not even decoded
      let m: Message;
      try {
        m = parseReply(server, msg);
      } catch (e) {
        return finish(e as Error);
      }
      if (matches(m)) finish(undefined, m); // our id but another question: keep waiting
    });
    // A connected socket accepts datagrams from the server only, and reports ICMP port unreachable as ECONNREFUSED.
    socket.connect(server.port, server.host, () => socket.send(packet, (e) => e && finish(networkError(server, e))));
  });
}

function tcpExchange(server: Server, packet: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, m?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(m!);
    };
    const timer = setTimeout(() => finish(new DnsQueryError(`no answer over TCP from ${formatServer(server)} within ${timeoutMs} ms`, "ETIMEOUT")), timeoutMs);
    socket.on("error", (e: NodeJS.ErrnoException) => finish(networkError(server, e)));
    socket.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(packet.length);
      socket.write(Buffer.concat([len, packet]));
    });
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) finish(undefined, data.subarray(2, 2 + data.readUInt16BE(0)));
    });
    socket.on("end", () => finish(new DnsQueryError(`${formatServer(server)} closed the TCP connection before a full answer`, "EBADRESP")));
  });
}

function networkError(server: Server, e: NodeJS.ErrnoException): DnsQueryError {
  if (e.code === "ECONNREFUSED") return new DnsQueryError(`${formatServer(server)} refused the connection (nothing listening?)`, "ECONNREFUSED");
  return new DnsQueryError(`cannot reach ${formatServer(server)}: ${e.code ?? e.message}`, "ENETWORK");
}
