/**
 * DNS messages (RFC 1035 4.1, RFC 6891 for EDNS) as dkimctl reads and writes
 * them, with the wire format left to dns-packet.
 *
 * dns-packet trusts both its input and its caller. Decoding a malformed
 * message may throw any error (RangeError, TypeError) or return odd objects;
 * encoding writes a TXT string over 255 bytes or a label over 63 octets with
 * its length cut to one byte, corrupting the message without a word. So
 * messages go through here only: `encodeMessage` refuses what dns-packet
 * would corrupt, and `parseMessage` turns every failure into a DnsFormatError
 * and checks each field dkimctl reads before handing it on.
 */
import * as net from "node:net";
import * as dnsPacket from "dns-packet";
import { capText } from "../redact";
import { checkHostName } from "./host-name";

/** A malformed message: the reason, never a stack trace. */
export class DnsFormatError extends Error {}

/** EDNS(0) UDP payload size we announce (the DNS Flag Day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

/** The record types dkimctl asks for. */
export type QuestionType = "TXT" | "CNAME" | "NS" | "SOA" | "A" | "AAAA" | "MX";

export const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"] as const;
export const rcodeName = (rcode: number): string => RCODES[rcode] ?? `RCODE${rcode}`;

export interface Soa {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly minimum: number;
}

/** A resource record. Names are in presentation form without the trailing dot (the root is ""). */
export type ResourceRecord = { readonly name: string; readonly ttl: number } & (
  | { readonly type: "TXT"; readonly data: string[] }
  | { readonly type: "CNAME" | "NS" | "PTR"; readonly data: string }
  | { readonly type: "SOA"; readonly data: Soa }
  /** An address in its presentation form (`192.0.2.1`, `2001:db8::1`). */
  | { readonly type: "A" | "AAAA"; readonly data: string }
  | { readonly type: "MX"; readonly data: { readonly preference: number; readonly exchange: string } }
  /** Any other type (`OPT`, `SRV`, `TYPE99`, ...): its data is not used. */
  | { readonly type: "OTHER"; readonly rrtype: string }
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
  /** AD: a validating resolver found the answer secure (DNSSEC). */
  readonly authenticData: boolean;
  /** With the EDNS extended bits (RFC 6891 6.1.3). */
  readonly rcode: number;
  /** Extended DNS Errors (RFC 8914) the server attached: why it failed, e.g. 6 (DNSSEC Bogus), 22 (No Reachable Authority). */
  readonly extendedErrors: readonly ExtendedError[];
  readonly question: { readonly name: string; readonly type: string }[];
  readonly answers: ResourceRecord[];
  readonly authority: ResourceRecord[];
  readonly additional: ResourceRecord[];
}

/** One Extended DNS Error (RFC 8914 2): an INFO-CODE and the server's optional EXTRA-TEXT. */
export interface ExtendedError {
  readonly code: number;
  readonly text: string;
}

/** RFC 8914 4's names of the INFO-CODEs, as `EDE 6 (DNSSEC Bogus)` says them. */
const EDE_NAMES = [
  "Other Error",
  "Unsupported DNSKEY Algorithm",
  "Unsupported DS Digest Type",
  "Stale Answer",
  "Forged Answer",
  "DNSSEC Indeterminate",
  "DNSSEC Bogus",
  "Signature Expired",
  "Signature Not Yet Valid",
  "DNSKEY Missing",
  "RRSIGs Missing",
  "No Zone Key Bit Set",
  "NSEC Missing",
  "Cached Error",
  "Not Ready",
  "Blocked",
  "Censored",
  "Filtered",
  "Prohibited",
  "Stale NXDOMAIN Answer",
  "Not Authoritative",
  "Not Supported",
  "No Reachable Authority",
  "Network Error",
  "Invalid Data",
] as const;

/** `EDE 7 (Signature Expired): <the server's text>` */
export function describeExtendedError(e: ExtendedError): string {
  const name = EDE_NAMES[e.code];
  return `EDE ${e.code}${name ? ` (${name})` : ""}${e.text ? `: ${capText(e.text, 200)}` : ""}`;
}

/** The EDNS option code of an Extended DNS Error (RFC 8914 2). */
const EDE_OPTION = 15;

export interface QueryOptions {
  /** Set RD (ask the server to recurse). @default false */
  readonly recursionDesired?: boolean;
  /** Set CD (checking disabled, RFC 4035 3.2.2): a validating resolver answers even what fails DNSSEC validation. @default false */
  readonly checkingDisabled?: boolean;
  /** Add an EDNS(0) OPT record announcing EDNS_UDP_SIZE. Without it, answers over 512 bytes come back truncated. @default true */
  readonly edns?: boolean;
}

/** A query message for one question (class IN). Throws RangeError for a name DNS cannot carry. */
export function buildQuery(id: number, name: string, type: QuestionType, opts: QueryOptions = {}): Buffer {
  const opt: dnsPacket.OptAnswer = {
    type: "OPT",
    name: ".",
    udpPayloadSize: EDNS_UDP_SIZE,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
  return encodeMessage({
    type: "query",
    id,
    flags: (opts.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0) | (opts.checkingDisabled ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ name, type, class: "IN" }],
    additionals: (opts.edns ?? true) ? [opt] : [],
  });
}

/** Encodes a message with dns-packet after refusing (RangeError) what it would silently corrupt. */
export function encodeMessage(packet: dnsPacket.Packet): Buffer {
  for (const q of packet.questions ?? []) checkName(q.name);
  for (const rr of [...(packet.answers ?? []), ...(packet.authorities ?? []), ...(packet.additionals ?? [])]) {
    if (rr.type === "OPT") continue;
    checkName(rr.name);
    if (rr.type === "CNAME" || rr.type === "NS" || rr.type === "PTR" || rr.type === "DNAME") checkName(rr.data);
    if (rr.type === "TXT") checkTxt(rr.name, rr.data);
  }
  return dnsPacket.encode(packet);
}

/** A character-string holds at most 255 bytes (RFC 1035 3.3); record data at most 65535. */
function checkTxt(owner: string, data: dnsPacket.TxtData): void {
  const strings = Array.isArray(data) ? data : [data];
  let total = 0;
  strings.forEach((s, i) => {
    const bytes = typeof s === "string" ? Buffer.byteLength(s) : s.length;
    if (bytes > 255) throw new RangeError(`TXT record for ${owner}: string ${i + 1} is ${bytes} bytes; a character-string holds at most 255`);
    total += 1 + bytes;
  });
  if (total > 65535) throw new RangeError(`TXT record for ${owner}: ${total} bytes of data; a record holds at most 65535`);
}

/** A name DNS can carry (the wire policy): labels of 1..63 octets, at most 255 in all. Accepts a trailing dot; "" and "." are the root. */
function checkName(name: string): void {
  const checked = checkHostName(name, "wire");
  if (!checked.ok) throw new RangeError(`invalid DNS name '${capText(name, 80)}': ${checked.reason}`);
}

/** Decodes a message with dns-packet. Throws DnsFormatError, and nothing else, on anything malformed. */
export function parseMessage(buf: Buffer): Message {
  if (buf.length < 12) throw new DnsFormatError(`message of ${buf.length} bytes is shorter than a DNS header`);
  let p: dnsPacket.DecodedPacket;
  try {
    p = dnsPacket.decode(buf);
  } catch (e) {
    throw new DnsFormatError(decodeFailure(e, buf.length));
  }
  // Reading past the end does not always throw: a cut message can leave dns-packet's offset beyond it, or NaN.
  const end = dnsPacket.decode.bytes;
  if (!Number.isFinite(end) || end > buf.length) throw new DnsFormatError(`message of ${buf.length} bytes ends inside a record`);
  const section = (rrs: dnsPacket.Answer[] | undefined) => (rrs ?? []).map(record);
  const opt = p.additionals?.find((r): r is dnsPacket.OptAnswer => r.type === "OPT");
  const flags = p.flags ?? 0;
  return {
    id: p.id ?? 0,
    response: p.flag_qr,
    authoritative: p.flag_aa,
    truncated: p.flag_tc,
    recursionDesired: p.flag_rd,
    recursionAvailable: p.flag_ra,
    authenticData: p.flag_ad,
    rcode: ((opt ? opt.extendedRcode : 0) << 4) | (flags & 0x000f),
    extendedErrors: ((opt?.options ?? []) as { code: number; data?: Buffer }[]).flatMap((o) => (o.code === EDE_OPTION ? [extendedError(o.data)] : [])),
    question: (p.questions ?? []).map((q) => ({ name: presentName(q.name), type: presentType(q.type) })),
    answers: section(p.answers),
    authority: section(p.authorities),
    additional: section(p.additionals),
  };
}

/** An EDE option's data: a 16-bit INFO-CODE, then EXTRA-TEXT (UTF-8, possibly empty; RFC 8914 2). */
function extendedError(data: Buffer | undefined): ExtendedError {
  if (!data || data.length < 2) throw new DnsFormatError("an Extended DNS Error option shorter than its INFO-CODE");
  return { code: data.readUInt16BE(0), text: presentText(data.subarray(2)) };
}

/** Text from a server, safe to print: control characters dropped. */
const presentText = (bytes: Buffer): string =>
  decodeCharacterString(bytes)
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .trim();

/** dns-packet's error messages, in words that say what is wrong with the message. */
const DECODE_FAILURES: [RegExp, string][] = [
  [/^Cannot decode name \(bad pointer\)$/, "a name has a bad compression pointer (a loop or a forward reference)"],
  [/^Cannot decode name \(name too long\)$/, "a name is longer than 255 octets"],
  [/^Cannot decode name \(bad label\)$/, "a name has an unknown label type"],
  [/^Buffer overflow$/, "a TXT character-string overruns its record data"],
];

function decodeFailure(e: unknown, length: number): string {
  const message = typeof (e as Error)?.message === "string" ? (e as Error).message : String(e);
  const known = DECODE_FAILURES.find(([pattern]) => pattern.test(message));
  if (known) return known[1];
  // Node's "offset is out of range" (ERR_OUT_OF_RANGE) when a read runs past the end; dns-packet's own "(buffer overflow)".
  if ((e as NodeJS.ErrnoException)?.code === "ERR_OUT_OF_RANGE" || /overflow/.test(message)) return `message of ${length} bytes ends inside a name or record`;
  return `malformed message (${capText(message, 80)})`;
}

function record(a: dnsPacket.Answer): ResourceRecord {
  const name = presentName(a.name);
  const ttl = "ttl" in a && typeof a.ttl === "number" ? a.ttl : 0;
  const bad = () => new DnsFormatError(`${a.type} record for ${name || "."}: record data that cannot be decoded`);
  switch (a.type) {
    case "TXT":
      if (!Array.isArray(a.data) || !a.data.every((s) => Buffer.isBuffer(s))) throw bad();
      return { name, ttl, type: "TXT", data: a.data.map((s) => decodeCharacterString(s as Buffer)) };
    case "CNAME":
    case "NS":
    case "PTR":
      if (typeof a.data !== "string") throw bad();
      return { name, ttl, type: a.type, data: presentName(a.data) };
    case "A":
    case "AAAA":
      if (typeof a.data !== "string" || net.isIP(a.data) !== (a.type === "A" ? 4 : 6)) throw bad();
      return { name, ttl, type: a.type, data: a.data };
    case "MX": {
      const { preference, exchange } = a.data ?? {};
      if (typeof preference !== "number" || typeof exchange !== "string") throw bad();
      return { name, ttl, type: "MX", data: { preference, exchange: presentName(exchange) } };
    }
    case "SOA": {
      const { mname, rname, serial, minimum } = a.data ?? {};
      if (typeof mname !== "string" || typeof rname !== "string" || typeof serial !== "number" || typeof minimum !== "number") throw bad();
      return { name, ttl, type: "SOA", data: { mname: presentName(mname), rname: presentName(rname), serial, minimum } };
    }
    default:
      return { name, ttl, type: "OTHER", rrtype: presentType(a.type) };
  }
}

/** RFC 3597 names for types dns-packet does not know (it says UNKNOWN_99). */
const presentType = (type: string): string => String(type).replace(/^UNKNOWN_/, "TYPE");

/**
 * A decoded name safe to print: "" for the root, bytes outside printable
 * ASCII and `\` escaped (\DDD, `\\`), so a hostile server cannot put control
 * characters into a report. dns-packet does not escape a `.` inside a label:
 * the label `a.b` reads as two labels.
 */
function presentName(name: string): string {
  if (typeof name !== "string") throw new DnsFormatError("a name that cannot be decoded");
  if (name === ".") return "";
  if (/^[\x21-\x5b\x5d-\x7e]*$/.test(name)) return name;
  let s = "";
  for (const b of Buffer.from(name, "utf8")) {
    if (b === 0x5c) s += "\\\\";
    else s += b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\${String(b).padStart(3, "0")}`;
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
