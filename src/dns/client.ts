/**
 * A minimal DNS client for `dkimctl verify`.
 *
 * - `query()`: one question over UDP (TCP when the answer is truncated), with
 *   the RD bit under the caller's control. node:dns always sets RD=1, which an
 *   authoritative server may treat differently (and a recursive one answers
 *   from cache), so asking authoritative servers needs this.
 * - `ResolverLookup`: lookups through a recursive resolver, for the default
 *   mode: TXT/CNAME with `query()` (RD=1), NS and addresses with node:dns.
 * - `authoritativeLookup()`: a TXT/CNAME question to one authoritative server.
 * - `interpretAnswer()`: what an answer says about the queried name, for both:
 *   only records owned by the name (or the end of its CNAME chain) count.
 *
 * Both lookups return a `LookupResult`, which src/verify.ts compares with the
 * desired record.
 */
import * as dgram from "node:dgram";
import { promises as dns } from "node:dns";
import * as net from "node:net";
import { randomInt } from "node:crypto";

// ---------------------------------------------------------------------------
// Wire format (RFC 1035 4, RFC 6891 for the OPT record)
// ---------------------------------------------------------------------------

export const TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, OPT: 41 } as const;
export type TypeName = keyof typeof TYPES;
const TYPE_NAMES = new Map<number, TypeName>(Object.entries(TYPES).map(([k, v]) => [v, k as TypeName]));

export const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"] as const;
export const rcodeName = (rcode: number): string => RCODES[rcode] ?? `RCODE${rcode}`;

export interface Soa {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

/** A resource record. Names are in presentation form without the trailing dot. */
export type ResourceRecord = { readonly name: string; readonly ttl: number } & (
  | { readonly type: "TXT"; readonly data: string[] }
  | { readonly type: "CNAME" | "NS" | "PTR"; readonly data: string }
  | { readonly type: "A" | "AAAA"; readonly data: string }
  | { readonly type: "SOA"; readonly data: Soa }
  /** Any other type (RFC 3597 style name), RDATA as hex. */
  | { readonly type: `TYPE${number}` | "OPT"; readonly data: string }
);

export interface Message {
  readonly id: number;
  readonly response: boolean;
  /** AA: the answer comes from a server authoritative for the name. */
  readonly authoritative: boolean;
  /** TC: the message was cut to fit a UDP datagram. */
  readonly truncated: boolean;
  readonly recursionDesired: boolean;
  readonly recursionAvailable: boolean;
  readonly rcode: number;
  readonly question: { readonly name: string; readonly type: number }[];
  readonly answers: ResourceRecord[];
  readonly authority: ResourceRecord[];
  readonly additional: ResourceRecord[];
}

export class DnsFormatError extends Error {}

/** EDNS(0) UDP payload size we announce (the DNS Flag Day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

/** Encodes a host name as DNS labels. Accepts a trailing dot; rejects empty or over-long labels. */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, "");
  const parts: Buffer[] = [];
  let total = 1;
  if (trimmed !== "") {
    for (const label of trimmed.split(".")) {
      const bytes = Buffer.from(label, "utf8");
      if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`invalid DNS name '${name}': a label must be 1..63 octets`);
      parts.push(Buffer.from([bytes.length]), bytes);
      total += bytes.length + 1;
    }
  }
  if (total > 255) throw new RangeError(`invalid DNS name '${name}': longer than 255 octets`);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export interface QueryOptions {
  /** Set RD (ask the server to recurse). @default false */
  readonly recursionDesired?: boolean;
  /** Add an EDNS(0) OPT record announcing EDNS_UDP_SIZE. Without it, answers over 512 bytes come back truncated. @default true */
  readonly edns?: boolean;
}

/** Builds a query message for one question (class IN). */
export function buildQuery(id: number, name: string, type: number, opts: QueryOptions = {}): Buffer {
  const edns = opts.edns ?? true;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(opts.recursionDesired ? 0x0100 : 0, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  header.writeUInt16BE(edns ? 1 : 0, 10); // ARCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(type, 0);
  question.writeUInt16BE(1, 2); // IN
  const parts = [header, encodeName(name), question];
  if (edns) {
    const opt = Buffer.alloc(11); // root name, TYPE OPT, CLASS = payload size, TTL 0 (ext rcode, version 0, no DO), RDLEN 0
    opt.writeUInt16BE(TYPES.OPT, 1);
    opt.writeUInt16BE(EDNS_UDP_SIZE, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

/** Parses a DNS message. Throws DnsFormatError on anything malformed (bounds, compression loops). */
export function parseMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new DnsFormatError(`message of ${buf.length} bytes is shorter than a DNS header`);
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let offset = 12;
  const question: { name: string; type: number }[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(buf, offset);
    need(buf, n.end, 4, "question");
    question.push({ name: n.name, type: buf.readUInt16BE(n.end) });
    offset = n.end + 4;
  }
  const sections: ResourceRecord[][] = [];
  for (const count of counts.slice(1)) {
    const rrs: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const r = readRecord(buf, offset);
      rrs.push(r.record);
      offset = r.end;
    }
    sections.push(rrs);
  }
  let rcode = flags & 0x000f;
  const opt = sections[2].find((r) => r.type === "OPT");
  if (opt) rcode |= (opt.ttl >>> 24) << 4; // RFC 6891 6.1.3: extended RCODE
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode,
    question,
    answers: sections[0],
    authority: sections[1],
    additional: sections[2],
  };
}

function need(buf: Buffer, offset: number, n: number, what: string): void {
  if (offset + n > buf.length) throw new DnsFormatError(`message ends inside a ${what} (offset ${offset}, need ${n} bytes, have ${buf.length - offset})`);
}

/** Reads a possibly compressed name; `end` is the offset after the name where it started (not after a pointer target). */
export function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end = -1;
  let jumps = 0;
  let length = 1;
  for (;;) {
    need(buf, offset, 1, "name");
    const len = buf[offset];
    if ((len & 0xc0) === 0xc0) {
      need(buf, offset, 2, "name pointer");
      const target = buf.readUInt16BE(offset) & 0x3fff;
      if (end < 0) end = offset + 2;
      // Each pointer must go strictly backwards: no loops, no forward references.
      if (target >= offset || ++jumps > 127) throw new DnsFormatError(`bad compression pointer at offset ${offset} (to ${target})`);
      offset = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`unsupported label type 0x${len.toString(16)} at offset ${offset}`);
    if (len === 0) {
      if (end < 0) end = offset + 1;
      break;
    }
    need(buf, offset + 1, len, "label");
    labels.push(presentLabel(buf.subarray(offset + 1, offset + 1 + len)));
    length += len + 1;
    if (length > 255) throw new DnsFormatError(`name at offset ${start} is longer than 255 octets`);
    offset += len + 1;
  }
  return { name: labels.join("."), end };
}

/** A label in presentation form: printable ASCII as is, `.` and `\` escaped, other bytes as \DDD. */
function presentLabel(bytes: Buffer): string {
  let s = "";
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\${String(b).padStart(3, "0")}`;
  }
  return s;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A character-string's bytes as text: UTF-8 when valid, else latin1 (one char per byte, nothing lost). */
export function decodeCharacterString(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString("latin1");
  }
}

function readRecord(buf: Buffer, start: number): { record: ResourceRecord; end: number } {
  const n = readName(buf, start);
  need(buf, n.end, 10, "record header");
  const typeNum = buf.readUInt16BE(n.end);
  const ttl = buf.readUInt32BE(n.end + 4);
  const rdlen = buf.readUInt16BE(n.end + 8);
  const rdStart = n.end + 10;
  need(buf, rdStart, rdlen, "record data");
  const rdEnd = rdStart + rdlen;
  const rdata = buf.subarray(rdStart, rdEnd);
  const base = { name: n.name, ttl };
  const type = TYPE_NAMES.get(typeNum);
  const bad = (why: string) => new DnsFormatError(`${type ?? `TYPE${typeNum}`} record for ${n.name || "."}: ${why}`);
  let record: ResourceRecord;
  switch (type) {
    case "TXT": {
      const strings: string[] = [];
      for (let o = 0; o < rdlen; ) {
        const len = rdata[o];
        if (o + 1 + len > rdlen) throw bad(`character-string of ${len} bytes overruns the record data`);
        strings.push(decodeCharacterString(rdata.subarray(o + 1, o + 1 + len)));
        o += 1 + len;
      }
      record = { ...base, type, data: strings };
      break;
    }
    case "CNAME":
    case "NS":
    case "PTR": {
      // Names in RDATA may point anywhere earlier in the message, so read from the whole buffer.
      const target = readName(buf, rdStart);
      if (target.end !== rdEnd) throw bad("the name does not fill the record data");
      record = { ...base, type, data: target.name };
      break;
    }
    case "SOA": {
      const mname = readName(buf, rdStart);
      const rname = readName(buf, mname.end);
      if (rname.end + 20 !== rdEnd) throw bad("wrong record data length");
      const u = (i: number) => buf.readUInt32BE(rname.end + 4 * i);
      record = { ...base, type, data: { mname: mname.name, rname: rname.name, serial: u(0), refresh: u(1), retry: u(2), expire: u(3), minimum: u(4) } };
      break;
    }
    case "A":
      if (rdlen !== 4) throw bad(`${rdlen} bytes of data, expected 4`);
      record = { ...base, type, data: [...rdata].join(".") };
      break;
    case "AAAA":
      if (rdlen !== 16) throw bad(`${rdlen} bytes of data, expected 16`);
      record = { ...base, type, data: Array.from({ length: 8 }, (_, i) => rdata.readUInt16BE(2 * i).toString(16)).join(":") };
      break;
    default:
      record = { ...base, type: type === "OPT" ? "OPT" : `TYPE${typeNum}`, data: rdata.toString("hex") };
  }
  return { record, end: rdEnd };
}

// ---------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------

export interface Server {
  /** An IPv4 or IPv6 address (not a host name). */
  readonly host: string;
  readonly port: number;
}

export const formatServer = (s: Server): string => (net.isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);

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
export async function query(server: Server, name: string, type: TypeName | number, opts: ExchangeOptions = {}): Promise<QueryResult> {
  if (!net.isIP(server.host)) throw new RangeError(`server '${server.host}' must be an IP address`);
  const qtype = typeof type === "number" ? type : TYPES[type];
  const id = randomInt(0, 0x10000);
  const packet = buildQuery(id, name, qtype, opts);
  const matches = (m: Message) =>
    m.id === id && m.response && m.question.length === 1 && m.question[0].type === qtype && sameName(m.question[0].name, name);
  const timeoutMs = opts.timeoutMs ?? 3000;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.max(1, opts.tries ?? 2); attempt++) {
    try {
      const udp = await udpExchange(server, packet, matches, timeoutMs);
      if (!udp.truncated || opts.tcpFallback === false) return { ...udp, transport: "udp" };
      const tcp = parseMessage(await tcpExchange(server, packet, timeoutMs));
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

export function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, "").toLowerCase() === b.replace(/\.$/, "").toLowerCase();
}

function udpExchange(server: Server, packet: Buffer, matches: (m: Message) => boolean, timeoutMs: number): Promise<Message> {
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
      let m: Message;
      try {
        m = parseMessage(msg);
      } catch (e) {
        // A reply we cannot parse but that carries our id means the server is broken; anything else is noise.
        if (msg.length >= 2 && msg.readUInt16BE(0) === packet.readUInt16BE(0))
          finish(new DnsQueryError(`malformed answer from ${formatServer(server)}: ${(e as Error).message}`, "EBADRESP"));
        return;
      }
      if (matches(m)) finish(undefined, m); // otherwise a stray or spoofed datagram: keep waiting
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

// ---------------------------------------------------------------------------
// Lookups: what a name holds, as verify needs it
// ---------------------------------------------------------------------------

/** What DNS says about one name and type. */
export type LookupResult =
  /** TXT: one entry per record, each its character-strings. CNAME: one entry per record, `[target]`. */
  | { readonly kind: "answer"; readonly values: string[][] }
  | { readonly kind: "nxdomain" }
  /** The name exists but has no record of the type; `cname` when it is an alias instead. */
  | { readonly kind: "nodata"; readonly cname?: string }
  /** No usable answer (SERVFAIL, REFUSED, timeout, ...). */
  | { readonly kind: "error"; readonly reason: string };

export type LookupType = "TXT" | "CNAME";

/** Strips a trailing dot and lower-cases: names compare case-insensitively. */
export const canonicalName = (name: string): string => name.replace(/\.$/, "").toLowerCase();

/** Parses `HOST[:PORT]`: `192.0.2.1`, `192.0.2.1:5353`, `[2001:db8::1]:53`, `2001:db8::1`, `dns.example:53`. Returns undefined when malformed. */
export function parseHostPort(text: string, defaultPort = 53): { host: string; port: number } | undefined {
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    if (!net.isIPv6(bracketed[1])) return undefined;
    [host, port] = [bracketed[1], bracketed[2]];
  } else if (net.isIPv6(text)) {
    host = text;
  } else {
    const m = /^([^:\s[\]]+)(?::(\d+))?$/.exec(text);
    if (!m) return undefined;
    [host, port] = [m[1], m[2]];
    if (!net.isIPv4(host) && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(host)) return undefined;
  }
  const p = port === undefined ? defaultPort : Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535 || (port !== undefined && !/^\d{1,5}$/.test(port))) return undefined;
  return { host, port: p };
}

/** An address for `host`: itself when it is an IP, else looked up with the system resolver (getaddrinfo). */
export async function addressOf(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await dns.lookup(host)).address;
  } catch (e) {
    throw new Error(`cannot find the address of ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export interface ResolverOptions {
  /** Per try, ms. @default 3000 */
  readonly timeoutMs?: number;
  /** @default 2 */
  readonly tries?: number;
}

/** Lookups through a recursive resolver (node:dns / c-ares): the given servers, or the system's. */
export class ResolverLookup {
  private readonly resolver: dns.Resolver;

  /** `servers`: IP addresses with ports; none means the system resolver (/etc/resolv.conf). */
  constructor(
    servers: readonly Server[] = [],
    private readonly opts: ResolverOptions = {},
  ) {
    this.resolver = new dns.Resolver({ timeout: opts.timeoutMs ?? 3000, tries: opts.tries ?? 2 });
    if (servers.length) this.resolver.setServers(servers.map(formatServer));
  }

  /** The servers asked, e.g. `127.0.0.1:5300`. */
  servers(): string[] {
    return this.resolver.getServers();
  }

  /**
   * Asks the resolvers in turn (RD=1, TCP after a truncated answer) until one
   * answers. Asked with our own client, not node:dns: c-ares returns every
   * TXT or CNAME record of the answer, whatever its owner name.
   */
  async lookup(name: string, type: LookupType): Promise<LookupResult> {
    const servers = this.resolver.getServers().flatMap((s) => parseHostPort(s) ?? []);
    let result: LookupResult = { kind: "error", reason: "no resolver configured (/etc/resolv.conf has no nameserver): give one with --resolver" };
    for (const server of servers) {
      try {
        const ask = (edns: boolean) => query(server, name, type, { recursionDesired: true, edns, timeoutMs: this.opts.timeoutMs ?? 3000, tries: this.opts.tries ?? 2 });
        let m = await ask(true);
        if (m.rcode === 1) m = await ask(false); // FORMERR: a resolver without EDNS(0) (RFC 6891 7)
        if (m.rcode !== 0 && m.rcode !== 3) result = { kind: "error", reason: rcodeReason(m.rcode) };
        else return interpretAnswer(m, name, type);
      } catch (e) {
        result = { kind: "error", reason: queryErrorReason(e) };
      }
    }
    return result;
  }

  /** The NS names of `zone`, sorted. Throws with a reason when there are none. */
  async nameservers(zone: string): Promise<string[]> {
    try {
      const names = [...new Set((await this.resolver.resolveNs(zone)).map(canonicalName))].sort();
      if (names.length) return names;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== dns.NODATA && code !== dns.NOTFOUND) throw new Error(`cannot look up the NS records of ${zone}: ${resolverErrorReason(e)}`);
      throw new Error(`${zone} has no NS records (${code === dns.NOTFOUND ? "NXDOMAIN" : "NODATA"}): is it the zone apex?`);
    }
    throw new Error(`${zone} has no NS records`);
  }

  /** IPv4 then IPv6 addresses of `host`. Throws with a reason when it has none. */
  async addresses(host: string): Promise<string[]> {
    const reasons: string[] = [];
    const get = async (f: () => Promise<string[]>) => {
      try {
        return await f();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== dns.NODATA && code !== dns.NOTFOUND) reasons.push(resolverErrorReason(e));
        return [];
      }
    };
    const [v4, v6] = await Promise.all([get(() => this.resolver.resolve4(host)), get(() => this.resolver.resolve6(host))]);
    if (v4.length + v6.length === 0) throw new Error(`cannot find the address of ${host}${reasons.length ? `: ${reasons[0]}` : ": it has no A or AAAA record"}`);
    return [...v4, ...v6];
  }

  cancel(): void {
    this.resolver.cancel();
  }
}

/** Why a resolver's answer with this RCODE is no answer, in the words resolverErrorReason uses. */
function rcodeReason(rcode: number): string {
  const name = rcodeName(rcode);
  return name === "REFUSED" ? "the resolver REFUSED the query" : `${name} from the resolver`;
}

/** Why an exchange with a resolver failed, in the words resolverErrorReason uses. */
function queryErrorReason(e: unknown): string {
  if (!(e instanceof DnsQueryError)) return (e as Error).message;
  switch (e.code) {
    case "ETIMEOUT":
      return "timed out waiting for the resolver";
    case "ECONNREFUSED":
      return "connection to the resolver refused (nothing listening?)";
    default:
      return e.message;
  }
}

function resolverErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case dns.SERVFAIL:
      return "SERVFAIL from the resolver";
    case dns.REFUSED:
      return "the resolver REFUSED the query";
    case dns.TIMEOUT:
      return "timed out waiting for the resolver";
    case dns.CONNREFUSED:
      return "connection to the resolver refused (nothing listening?)";
    case dns.FORMERR:
      return "FORMERR from the resolver";
    case dns.NOTIMP:
      return "NOTIMP from the resolver";
    case dns.BADRESP:
      return "malformed answer from the resolver";
    default:
      return code ?? (e as Error).message;
  }
}

/**
 * Asks one authoritative server (RD=0) for `name`/`type`. A referral or an
 * answer without AA is an error: that server does not serve the zone.
 */
export async function authoritativeLookup(server: Server, name: string, type: LookupType, opts: ExchangeOptions = {}): Promise<LookupResult> {
  let m: QueryResult;
  try {
    m = await query(server, name, type, { ...opts, recursionDesired: false });
  } catch (e) {
    return { kind: "error", reason: (e as Error).message };
  }
  return interpretAuthoritative(m, name, type);
}

/** The LookupResult of an authoritative answer (exported for tests with hand-built messages). */
export function interpretAuthoritative(m: Message, name: string, type: LookupType): LookupResult {
  if (m.rcode !== 0 && m.rcode !== 3) return { kind: "error", reason: `${rcodeName(m.rcode)} from the server` };
  if (!m.authoritative) {
    const ns = m.authority.filter((r) => r.type === "NS").map((r) => r.data as string);
    return { kind: "error", reason: ns.length ? `not authoritative: referral to ${listNames(ns)} (lame delegation?)` : "not authoritative for the name (AA not set)" };
  }
  return interpretAnswer(m, name, type);
}

/** At most this many names in a message about an answer. */
const SHOWN_NAMES = 3;

const listNames = (names: readonly string[]): string =>
  names.length > SHOWN_NAMES ? `${names.slice(0, SHOWN_NAMES).join(", ")} and ${names.length - SHOWN_NAMES} more` : names.join(", ");

/**
 * What an answer (NOERROR or NXDOMAIN) says about `name`: the records owned
 * by `name`, or for TXT by the end of the CNAME chain that starts at `name`.
 * Records of any other owner are ignored; an answer holding only such
 * records is an error, never the name's records.
 */
export function interpretAnswer(m: Message, name: string, type: LookupType): LookupResult {
  if (m.truncated) return { kind: "error", reason: "the answer is truncated (TC set) and was not retried over TCP: it may be incomplete" };
  let owner = canonicalName(name);
  const seen = new Set<string>();
  const at = (n: string) => m.answers.filter((r) => canonicalName(r.name) === n);
  /** Nothing at the name: an error when the answer holds TXT or CNAME records of other names instead. */
  const foreign = (): LookupResult | undefined => {
    const others = [...new Set(m.answers.filter((r) => r.type === "TXT" || r.type === "CNAME").map((r) => canonicalName(r.name)))];
    const wanted = canonicalName(name);
    return others.length ? { kind: "error", reason: `the answer has no record for ${wanted}, only for ${listNames(others)}: not accepted as ${wanted}'s` } : undefined;
  };
  if (type === "CNAME") {
    const targets = at(owner).flatMap((r) => (r.type === "CNAME" ? [[canonicalName(r.data)]] : []));
    if (targets.length) return { kind: "answer", values: targets };
    return foreign() ?? (m.rcode === 3 ? { kind: "nxdomain" } : { kind: "nodata" });
  }
  // Follow the CNAME chain that starts at the name (a resolver gives it whole; a server may add in-zone targets).
  let alias: string | undefined;
  for (;;) {
    const rrs = at(owner);
    const txt = rrs.flatMap((r) => (r.type === "TXT" ? [r.data] : []));
    if (txt.length) return { kind: "answer", values: txt };
    const cname = rrs.find((r) => r.type === "CNAME");
    if (!cname || seen.has(owner)) break;
    seen.add(owner);
    alias ??= canonicalName(cname.data as string);
    owner = canonicalName(cname.data as string);
  }
  if (alias) return { kind: "nodata", cname: alias };
  return foreign() ?? (m.rcode === 3 ? { kind: "nxdomain" } : { kind: "nodata" });
}
