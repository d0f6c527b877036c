/**
 * Route53Endpoint: a local stand-in for the parts of Amazon Route 53 (REST/XML API,
 * version 2013-04-01) and AWS STS (Query API) that the Terraform AWS provider 5.100.0
 * calls for `aws_route53_record` and the `aws_route53_zone` data source. Tests point the
 * real provider at it with `AWS_ENDPOINT_URL_ROUTE_53` / `AWS_ENDPOINT_URL_STS`
 * (see `env()`); the provider block stays `provider "aws" { region = "us-east-1" }`.
 *
 * API calls implemented (anything else gets HTTP 400 `InvalidAction` naming the call):
 *   STS      POST /  Action=GetCallerIdentity       (account 123456789012)
 *   Route53  GET  /2013-04-01/hostedzone            ListHostedZones (marker/maxitems/hostedzonetype)
 *            GET  /2013-04-01/hostedzonesbyname     ListHostedZonesByName (dnsname/hostedzoneid/maxitems)
 *            GET  /2013-04-01/hostedzonecount       GetHostedZoneCount
 *            GET  /2013-04-01/hostedzone/{Id}       GetHostedZone (DelegationSet, or VPCs if private)
 *            GET  /2013-04-01/hostedzone/{Id}/rrset ListResourceRecordSets (name/type/maxitems paging)
 *            POST /2013-04-01/hostedzone/{Id}/rrset ChangeResourceRecordSets (CREATE/DELETE/UPSERT)
 *            GET  /2013-04-01/change/{Id}           GetChange (PENDING for `pendingPolls` polls, then INSYNC)
 *            GET  /2013-04-01/tags/hostedzone/{Id}  ListTagsForResource (always no tags)
 *
 * Rules enforced, with Route 53's error codes, HTTP statuses and message wording:
 *   - SigV4 `Authorization` header present and scoped to us-east-1/route53 (or sts), else 403.
 *   - Unknown zone -> 404 NoSuchHostedZone; unknown change -> 404 NoSuchChange.
 *   - Schema-level problems -> 400 InvalidInput: bad XML, unknown Action or Type, TTL outside
 *     0..2147483647, a change without TTL+ResourceRecords, ListResourceRecordSets type without name.
 *   - Everything else in a change batch -> 400 InvalidChangeBatch, message `[msg1, msg2]`:
 *     record name not in the zone; CNAME at the apex; CNAME together with any other type at a
 *     name (both directions); CREATE of an existing set ("... but it already exists"); DELETE of
 *     a missing set ("... but it was not found") or with other TTL/values ("... but the values
 *     provided do not match the current values"); duplicate values; the apex SOA/NS must stay;
 *     1,000 records / 32,000 RDATA characters per batch; per-type values: A (IPv4),
 *     AAAA (IPv6), CNAME/NS/PTR (domain labels <= 63, name <= 255), TXT/SPF: one or more
 *     double-quoted character-strings (adjacent strings need no space, `"a""b"` is two strings),
 *     escapes `\"`, `\\`, `\DDD` (octal, <= \377) and `\X` (X literally); each string at most
 *     255 octets after unescaping (CharacterStringTooLong), the whole value at most 4,000
 *     characters (TXTRDATATooLong), anything unquoted/unterminated -> InvalidCharacterString.
 *     A batch is atomic: changes are applied in order to a copy of the zone, committed only
 *     if every change succeeds.
 *   - Names are compared case-insensitively, with or without the trailing dot, and stored and
 *     returned as Route 53 does: lower case, trailing dot, every character other than a-z 0-9 - _
 *     as a `\DDD` octal escape (so `*` is `\052`).
 *   - ListResourceRecordSets order is Route 53's: by name with the labels reversed
 *     (`com.example.www.`, ASCII), then by type; a page starts at the first set whose
 *     (name, type) >= (StartRecordName, StartRecordType); MaxItems default and cap 300;
 *     IsTruncated + NextRecordName/NextRecordType name the first set not returned.
 *   - Optional throttling: token bucket of `throttlePerSecond` (Route 53's documented quota
 *     is 5 requests/second per account) over all Route 53 calls; excess calls get HTTP 400
 *     `Throttling` / "Rate exceeded", which the AWS SDK retries with back-off. Off by default.
 *
 * Not implemented: creating/deleting hosted zones through the API, alias records, routing
 * policies (SetIdentifier, weights, geo, failover...), health checks, traffic policies,
 * DNSSEC, tags (always empty), SigV4 signature verification (only the scope is checked),
 * eventual consistency of reads (ListResourceRecordSets shows a change at once, as Route 53
 * documents), and Route 53's re-escaping of non-ASCII bytes inside TXT values (values are
 * stored exactly as sent).
 *
 * Threading: the HTTP server runs in a worker thread (loaded through ts-node when this file
 * is TypeScript), so the synchronous `terraform()` helper (spawnSync) can call it while the
 * test's own thread is blocked. The methods below talk to the worker synchronously.
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort, workerData } from "node:worker_threads";

export interface RecordSet {
  /** FQDN with trailing dot, lower case, Route 53 escapes (e.g. `\052` for `*`). */
  name: string;
  type: string;
  ttl: number;
  /** As stored, e.g. `"v=DKIM1; k=rsa; p=..." "...rest"` for TXT. */
  values: string[];
}

export interface LoggedRequest {
  method: string;
  /** Path and query string as received. */
  path: string;
  /** Operation, e.g. `ChangeResourceRecordSets`, `GetCallerIdentity`; `Unknown` otherwise. */
  action: string;
  status: number;
  /** Error code answered (e.g. `Throttling`, `InvalidChangeBatch`); absent on success. */
  error?: string;
  /** Request body. */
  body: string;
  /** When it was received (ms since the epoch). */
  at: number;
}

export interface Route53EndpointOptions {
  /** Route 53 requests per second before `Throttling` errors (Route 53's quota is 5). Off if unset. */
  throttlePerSecond?: number;
  /** GetChange answers PENDING this many times per change before INSYNC (default 1). */
  pendingPolls?: number;
}

const NS = "https://route53.amazonaws.com/doc/2013-04-01/";
const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const ACCOUNT_ID = "123456789012";
const MAX_TTL = 2147483647;
const RR_TYPES = ["SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS", "TLSA", "SSHFP", "SVCB", "HTTPS"];
const NAME_VALUED = new Set(["CNAME", "NS", "PTR"]);
const UNSUPPORTED_RRSET_FIELDS = [
  "SetIdentifier",
  "Weight",
  "Region",
  "GeoLocation",
  "Failover",
  "MultiValueAnswer",
  "HealthCheckId",
  "AliasTarget",
  "TrafficPolicyInstanceId",
  "CidrRoutingConfig",
  "GeoProximityLocation",
];

// ---------------------------------------------------------------------------------------
// Minimal XML
// ---------------------------------------------------------------------------------------

interface XmlNode {
  name: string; // local name, prefix stripped
  children: XmlNode[];
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_m, e: string) => {
    if (e[0] === "#") {
      const cp = e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return String.fromCodePoint(cp);
    }
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

function parseXml(src: string): XmlNode {
  const doc: XmlNode = { name: "#document", children: [], text: "" };
  const stack: XmlNode[] = [doc];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}`);
  };
  while (i < src.length) {
    if (src.startsWith("<?", i)) {
      const end = src.indexOf("?>", i);
      if (end < 0) fail("unterminated processing instruction");
      i = end + 2;
    } else if (src.startsWith("<!--", i)) {
      const end = src.indexOf("-->", i);
      if (end < 0) fail("unterminated comment");
      i = end + 3;
    } else if (src.startsWith("<![CDATA[", i)) {
      const end = src.indexOf("]]>", i);
      if (end < 0) fail("unterminated CDATA");
      stack[stack.length - 1].text += src.slice(i + 9, end);
      i = end + 3;
    } else if (src[i] === "<") {
      let j = i + 1;
      let quote = "";
      while (j < src.length && (quote || src[j] !== ">")) {
        if (quote && src[j] === quote) quote = "";
        else if (!quote && (src[j] === '"' || src[j] === "'")) quote = src[j];
        j++;
      }
      if (j >= src.length) fail("unterminated tag");
      const inner = src.slice(i + 1, j);
      i = j + 1;
      if (inner.startsWith("/")) {
        const name = inner.slice(1).trim().replace(/^.*:/, "");
        const open = stack.pop();
        if (!open || open === doc || open.name !== name) fail(`mismatched closing tag </${name}>`);
      } else {
        const selfClosing = inner.endsWith("/");
        const m = /^([^\s/>]+)/.exec(inner);
        if (!m) fail("bad tag");
        const node: XmlNode = { name: m![1].replace(/^.*:/, ""), children: [], text: "" };
        stack[stack.length - 1].children.push(node);
        if (!selfClosing) stack.push(node);
      }
    } else {
      const end = src.indexOf("<", i);
      const raw = end < 0 ? src.slice(i) : src.slice(i, end);
      stack[stack.length - 1].text += decodeEntities(raw);
      i = end < 0 ? src.length : end;
    }
  }
  if (stack.length !== 1) fail("unclosed element");
  const roots = doc.children;
  if (roots.length !== 1) fail("expected exactly one root element");
  return roots[0];
}

function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

function childText(node: XmlNode | undefined, name: string): string | undefined {
  const c = child(node, name);
  return c ? c.text : undefined;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// ---------------------------------------------------------------------------------------
// Domain names
// ---------------------------------------------------------------------------------------

class NameError extends Error {}

/** Splits a presentation-format name into labels of octets (`\DDD` is octal, as Route 53). */
function nameToLabels(input: string): number[][] {
  const s = input.trim();
  if (s === "." || s === "") return [];
  const labels: number[][] = [];
  let cur: number[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\") {
      const d = s.slice(i + 1, i + 4);
      if (/^[0-7]{3}$/.test(d)) {
        const v = parseInt(d, 8);
        if (v > 255) throw new NameError(`Invalid escape sequence in '${input}'`);
        cur.push(v);
        i += 4;
      } else if (i + 1 < s.length) {
        cur.push(...Buffer.from(s[i + 1], "utf8"));
        i += 2;
      } else {
        throw new NameError(`Invalid escape sequence in '${input}'`);
      }
    } else if (c === ".") {
      if (i === s.length - 1) break; // trailing dot
      labels.push(cur);
      cur = [];
      i++;
    } else {
      cur.push(...Buffer.from(c, "utf8"));
      i++;
    }
  }
  labels.push(cur);
  return labels;
}

function checkLabels(labels: number[][]): string | undefined {
  if (labels.some((l) => l.length === 0)) return "DomainLabelEmpty (Domain label is empty)";
  if (labels.some((l) => l.length > 63)) return "DomainLabelTooLong (Domain label is too long)";
  const wire = labels.reduce((n, l) => n + l.length + 1, 1);
  if (wire > 255) return "DomainNameTooLong (Domain name is too long)";
  return undefined;
}

/** Route 53's stored form: lower case, trailing dot, octal escapes except a-z 0-9 - _. */
function labelsToRoute53(labels: number[][]): string {
  if (labels.length === 0) return ".";
  return `${labels
    .map((l) =>
      l
        .map((b) => {
          const lower = b >= 0x41 && b <= 0x5a ? b + 32 : b;
          const ch = String.fromCharCode(lower);
          return /[a-z0-9_-]/.test(ch) ? ch : `\\${lower.toString(8).padStart(3, "0")}`;
        })
        .join(""),
    )
    .join(".")}.`;
}

/** Normalizes a record/zone name; throws NameError for an invalid one. */
function normalizeName(input: string): string {
  const labels = nameToLabels(input);
  const problem = checkLabels(labels);
  if (problem) throw new NameError(problem);
  return labelsToRoute53(labels);
}

/** Sort key of Route 53's ListResourceRecordSets / ListHostedZonesByName: labels reversed. */
function sortKey(storedName: string): string {
  if (storedName === ".") return ".";
  return `${storedName.slice(0, -1).split(".").reverse().join(".")}.`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRRSets(a: { name: string; type: string }, b: { name: string; type: string }): number {
  return cmp(sortKey(a.name), sortKey(b.name)) || cmp(a.type, b.type);
}

/** Presentation form for an RFC 1035 master file (`\DDD` there is decimal). */
function labelsToMasterFile(labels: number[][]): string {
  if (labels.length === 0) return ".";
  return `${labels
    .map((l) =>
      l
        .map((b) => {
          const ch = String.fromCharCode(b);
          return /[A-Za-z0-9_*-]/.test(ch) ? ch : `\\${String(b).padStart(3, "0")}`;
        })
        .join(""),
    )
    .join(".")}.`;
}

// ---------------------------------------------------------------------------------------
// Record values
// ---------------------------------------------------------------------------------------

const TXT_MAX_VALUE = 4000;
const TXT_MAX_STRING = 255;

/** Parses a Route 53 TXT/SPF value into character-strings (octets); returns an error code. */
function parseTxt(value: string): { strings: number[][] } | { error: string } {
  const notQuoted = { error: "InvalidCharacterString (Value should be enclosed in quotation marks)" };
  if (value.length > TXT_MAX_VALUE) return { error: "TXTRDATATooLong (Value is too long)" };
  const strings: number[][] = [];
  let i = 0;
  const ws = () => {
    while (i < value.length && (value[i] === " " || value[i] === "\t")) i++;
  };
  ws();
  if (i >= value.length) return notQuoted;
  while (i < value.length) {
    if (value[i] !== '"') return notQuoted;
    i++;
    const bytes: number[] = [];
    let closed = false;
    while (i < value.length) {
      const c = value[i];
      if (c === '"') {
        closed = true;
        i++;
        break;
      }
      if (c === "\\") {
        if (i + 1 >= value.length) return notQuoted;
        const d = value.slice(i + 1, i + 4);
        if (/^[0-9]/.test(value[i + 1])) {
          if (!/^[0-7]{3}$/.test(d) || parseInt(d, 8) > 255) {
            return { error: "InvalidCharacterString (Invalid escape sequence)" };
          }
          bytes.push(parseInt(d, 8));
          i += 4;
        } else {
          bytes.push(...Buffer.from(value[i + 1], "utf8"));
          i += 2;
        }
        continue;
      }
      const cp = value.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(ch, "utf8"));
      i += ch.length;
    }
    if (!closed) return notQuoted;
    if (bytes.length > TXT_MAX_STRING) return { error: "CharacterStringTooLong (Value is too long)" };
    strings.push(bytes);
    ws();
  }
  return { strings };
}

function isIPv4(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}

/** Route 53's per-type value check; returns the "FATAL problem" text or undefined. */
function valueProblem(type: string, value: string): string | undefined {
  switch (type) {
    case "A":
      return isIPv4(value) ? undefined : "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)";
    case "AAAA":
      return net.isIPv6(value) ? undefined : "AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)";
    case "CNAME":
    case "NS":
    case "PTR":
      try {
        return checkLabels(nameToLabels(value));
      } catch {
        return "DomainLabelEmpty (Domain label is empty)";
      }
    case "TXT":
    case "SPF": {
      const r = parseTxt(value);
      return "error" in r ? r.error : undefined;
    }
    default:
      return value.trim() === "" ? "InvalidCharacterString (Value is empty)" : undefined;
  }
}

/** Canonical form used to compare values (DELETE must match; duplicates are rejected). */
function canonicalValue(type: string, value: string): string {
  if (type === "TXT" || type === "SPF") {
    const r = parseTxt(value);
    return "strings" in r ? JSON.stringify(r.strings) : value;
  }
  if (NAME_VALUED.has(type)) {
    try {
      return labelsToRoute53(nameToLabels(value));
    } catch {
      return value;
    }
  }
  return value.trim().toLowerCase();
}

function sameValues(type: string, a: string[], b: string[]): boolean {
  const ca = a.map((v) => canonicalValue(type, v)).sort();
  const cb = b.map((v) => canonicalValue(type, v)).sort();
  return ca.length === cb.length && ca.every((v, i) => v === cb[i]);
}

/** A value as it must appear in a master file (absolute names, decimal escapes). */
function masterFileValue(type: string, value: string): string {
  const absolute = (n: string) => {
    try {
      return labelsToMasterFile(nameToLabels(n));
    } catch {
      return n;
    }
  };
  if (type === "TXT" || type === "SPF") {
    const r = parseTxt(value);
    if (!("strings" in r)) return value;
    return r.strings
      .map(
        (bytes) =>
          '"' +
          bytes
            .map((b) => {
              if (b === 0x22) return '\\"';
              if (b === 0x5c) return "\\\\";
              if (b < 0x20 || b >= 0x7f) return `\\${String(b).padStart(3, "0")}`;
              return String.fromCharCode(b);
            })
            .join("") +
          '"',
      )
      .join(" ");
  }
  if (NAME_VALUED.has(type)) return absolute(value);
  const f = value.trim().split(/\s+/);
  if (type === "MX" && f.length === 2) return `${f[0]} ${absolute(f[1])}`;
  if (type === "SRV" && f.length === 4) return `${f[0]} ${f[1]} ${f[2]} ${absolute(f[3])}`;
  if (type === "SOA" && f.length === 7) return [absolute(f[0]), absolute(f[1]), ...f.slice(2)].join(" ");
  return value;
}

// ---------------------------------------------------------------------------------------
// The model (runs in the worker)
// ---------------------------------------------------------------------------------------

interface Zone {
  id: string;
  name: string; // stored form, trailing dot
  callerReference: string;
  private: boolean;
  vpcId?: string;
  nameServers: string[]; // without trailing dot
  records: Map<string, RecordSet>;
}

interface ChangeState {
  id: string;
  submittedAt: string;
  comment?: string;
  pollsLeft: number;
}

interface HttpResult {
  status: number;
  body: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const rrKey = (name: string, type: string) => `${name}|${type}`;

function randomId(prefix: string, length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const bytes = crypto.randomBytes(length);
  let s = prefix;
  for (let i = 0; i < length; i++) s += alphabet[bytes[i] % alphabet.length];
  return s;
}

function cleanId(id: string): string {
  return decodeURIComponent(id).replace(/^\/?(hostedzone|change)\//, "");
}

class Route53Model {
  readonly zones = new Map<string, Zone>();
  readonly changes = new Map<string, ChangeState>();
  readonly log: LoggedRequest[] = [];
  pendingPolls: number;
  throttlePerSecond?: number;
  private tokens = 0;
  private lastRefill = Date.now();

  constructor(opts: Route53EndpointOptions) {
    this.pendingPolls = opts.pendingPolls ?? 1;
    this.configure(opts);
  }

  configure(opts: Route53EndpointOptions & { throttlePerSecond?: number | null }): void {
    if (opts.pendingPolls !== undefined) this.pendingPolls = Math.max(0, Math.floor(opts.pendingPolls));
    if (opts.throttlePerSecond !== undefined) {
      this.throttlePerSecond = opts.throttlePerSecond ?? undefined;
      this.tokens = this.throttlePerSecond ?? 0;
      this.lastRefill = Date.now();
    }
  }

  // ---- direct (test) access -------------------------------------------------------------

  createZone(name: string, opts: { id?: string; private?: boolean; vpcId?: string } = {}): string {
    const zoneName = normalizeName(name);
    const id = opts.id ?? randomId("Z", 20);
    if (!/^Z[A-Z0-9]{13,21}$/.test(id)) throw new Error(`invalid hosted zone id '${id}' (expected Z + 13-21 of A-Z 0-9)`);
    if (this.zones.has(id)) throw new Error(`hosted zone ${id} already exists`);
    const n = 1 + (this.zones.size % 2000);
    const nameServers = [
      `ns-${n}.awsdns-${String(n % 64).padStart(2, "0")}.com`,
      `ns-${n + 512}.awsdns-${String((n + 1) % 64).padStart(2, "0")}.net`,
      `ns-${n + 1024}.awsdns-${String((n + 2) % 64).padStart(2, "0")}.org`,
      `ns-${n + 1536}.awsdns-${String((n + 3) % 64).padStart(2, "0")}.co.uk`,
    ];
    const zone: Zone = {
      id,
      name: zoneName,
      callerReference: crypto.randomUUID(),
      private: !!opts.private,
      vpcId: opts.private ? (opts.vpcId ?? "vpc-0a1b2c3d4e5f60718") : undefined,
      nameServers,
      records: new Map(),
    };
    zone.records.set(rrKey(zoneName, "SOA"), {
      name: zoneName,
      type: "SOA",
      ttl: 900,
      values: [`${nameServers[0]}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`],
    });
    zone.records.set(rrKey(zoneName, "NS"), {
      name: zoneName,
      type: "NS",
      ttl: 172800,
      values: nameServers.map((s) => `${s}.`),
    });
    this.zones.set(id, zone);
    return id;
  }

  private zone(zoneId: string): Zone {
    const z = this.zones.get(cleanId(zoneId));
    if (!z) throw new ApiError(404, "NoSuchHostedZone", `No hosted zone found with ID: ${cleanId(zoneId)}`);
    return z;
  }

  putRecord(zoneId: string, rs: RecordSet): void {
    const zone = this.zone(zoneId);
    const messages = this.applyBatch(zone, [{ action: "UPSERT", rrset: { ...rs, values: [...rs.values] } }]);
    if (messages.length) throw new Error(`putRecord rejected: [${messages.join(", ")}]`);
  }

  deleteRecord(zoneId: string, name: string, type: string): void {
    const zone = this.zone(zoneId);
    const key = rrKey(normalizeName(name), type.toUpperCase());
    if (!zone.records.delete(key)) throw new Error(`no ${type} record set named ${name} in zone ${zone.name}`);
  }

  records(zoneId: string): RecordSet[] {
    return [...this.zone(zoneId).records.values()].sort(compareRRSets).map((r) => ({ ...r, values: [...r.values] }));
  }

  zoneFile(zoneId: string): string {
    const zone = this.zone(zoneId);
    const origin = labelsToMasterFile(nameToLabels(zone.name));
    const lines = [`; ${zone.name} (${zone.id}), exported by the Route53Endpoint test stand-in`, `$ORIGIN ${origin}`];
    for (const rs of this.records(zoneId)) {
      const owner = labelsToMasterFile(nameToLabels(rs.name));
      for (const v of rs.values) lines.push(`${owner}\t${rs.ttl}\tIN\t${rs.type}\t${masterFileValue(rs.type, v)}`);
    }
    return `${lines.join("\n")}\n`;
  }

  requests(): LoggedRequest[] {
    return this.log.map((r) => ({ ...r }));
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  // ---- HTTP -----------------------------------------------------------------------------

  handle(method: string, url: string, headers: http.IncomingHttpHeaders, body: string): HttpResult {
    const u = new URL(url, "http://localhost");
    const p = u.pathname;
    let action = "Unknown";
    let service: "sts" | "route53" = "route53";
    let handler: (() => string) | undefined;

    if (p === "/" || p === "") {
      service = "sts";
      const form = new URLSearchParams(method === "POST" ? body : u.search);
      action = form.get("Action") ?? "Unknown";
      if (action === "GetCallerIdentity") handler = () => this.getCallerIdentity();
    } else {
      const m = /^\/2013-04-01\/(.*?)\/?$/.exec(p);
      const rest = m ? m[1] : "";
      let mm: RegExpExecArray | null;
      if (method === "GET" && rest === "hostedzone") {
        action = "ListHostedZones";
        handler = () => this.listHostedZones(u.searchParams);
      } else if (method === "GET" && rest === "hostedzonesbyname") {
        action = "ListHostedZonesByName";
        handler = () => this.listHostedZonesByName(u.searchParams);
      } else if (method === "GET" && rest === "hostedzonecount") {
        action = "GetHostedZoneCount";
        handler = () => `<GetHostedZoneCountResponse xmlns="${NS}"><HostedZoneCount>${this.zones.size}</HostedZoneCount></GetHostedZoneCountResponse>`;
      } else if (method === "GET" && (mm = /^hostedzone\/([^/]+)$/.exec(rest))) {
        const id = mm[1];
        action = "GetHostedZone";
        handler = () => this.getHostedZone(id);
      } else if (method === "GET" && (mm = /^hostedzone\/([^/]+)\/rrset$/.exec(rest))) {
        const id = mm[1];
        action = "ListResourceRecordSets";
        handler = () => this.listResourceRecordSets(id, u.searchParams);
      } else if (method === "POST" && (mm = /^hostedzone\/([^/]+)\/rrset$/.exec(rest))) {
        const id = mm[1];
        action = "ChangeResourceRecordSets";
        handler = () => this.changeResourceRecordSets(id, body);
      } else if (method === "GET" && (mm = /^change\/([^/]+)$/.exec(rest))) {
        const id = mm[1];
        action = "GetChange";
        handler = () => this.getChange(id);
      } else if (method === "GET" && (mm = /^tags\/hostedzone\/([^/]+)$/.exec(rest))) {
        const id = mm[1];
        action = "ListTagsForResource";
        handler = () => this.listTagsForResource(id);
      }
    }

    const at = Date.now();
    let error: string | undefined;
    let result: HttpResult;
    try {
      this.checkAuth(headers, service);
      if (!handler) {
        throw new ApiError(
          400,
          "InvalidAction",
          `The Route53Endpoint test stand-in does not implement ${method} ${u.pathname}${service === "sts" ? ` Action=${action}` : ""}`,
        );
      }
      if (service === "route53" && !this.takeToken()) throw new ApiError(400, "Throttling", "Rate exceeded");
      result = { status: 200, body: `<?xml version="1.0"?>\n${handler()}` };
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, "InternalFailure", `Route53Endpoint internal error: ${(e as Error).stack ?? e}`);
      error = err.code;
      result = { status: err.status, body: this.errorXml(service, err) };
    }
    this.log.push({ method, path: url, action, status: result.status, ...(error ? { error } : {}), body, at });
    return result;
  }

  private errorXml(service: "sts" | "route53", e: ApiError): string {
    const ns = service === "sts" ? STS_NS : NS;
    const type = e.status >= 500 ? "Receiver" : "Sender";
    return (
      `<?xml version="1.0"?>\n<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${esc(e.code)}</Code>` +
      `<Message>${esc(e.message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`
    );
  }

  private checkAuth(headers: http.IncomingHttpHeaders, service: "sts" | "route53"): void {
    const auth = headers.authorization;
    if (!auth?.startsWith("AWS4-HMAC-SHA256 ")) {
      throw new ApiError(403, "MissingAuthenticationToken", "Missing Authentication Token");
    }
    const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
    if (!m) throw new ApiError(403, "IncompleteSignature", "Authorization header requires a valid Credential parameter.");
    if (m[2] !== service) {
      throw new ApiError(403, "SignatureDoesNotMatch", `Credential should be scoped to correct service: '${service}'. `);
    }
    if (service === "route53" && m[1] !== "us-east-1") {
      throw new ApiError(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. ");
    }
  }

  private takeToken(): boolean {
    const rate = this.throttlePerSecond;
    if (!rate || rate <= 0) return true;
    const now = Date.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  // ---- STS ------------------------------------------------------------------------------

  private getCallerIdentity(): string {
    return (
      `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>` +
      `<Arn>arn:aws:iam::${ACCOUNT_ID}:user/dkimctl-test</Arn><UserId>AIDAJDPLRKLG7UEXAMPLE</UserId>` +
      `<Account>${ACCOUNT_ID}</Account></GetCallerIdentityResult>` +
      `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
    );
  }

  // ---- hosted zones -----------------------------------------------------------------------

  private hostedZoneXml(z: Zone): string {
    return (
      `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${esc(z.name)}</Name>` +
      `<CallerReference>${z.callerReference}</CallerReference>` +
      `<Config><PrivateZone>${z.private}</PrivateZone></Config>` +
      `<ResourceRecordSetCount>${z.records.size}</ResourceRecordSetCount></HostedZone>`
    );
  }

  private maxItems(q: URLSearchParams, dflt: number): number {
    const raw = q.get("maxitems");
    if (raw === null) return dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1) {
      throw new ApiError(
        400,
        "InvalidInput",
        `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer`,
      );
    }
    return n;
  }

  private listHostedZones(q: URLSearchParams): string {
    const max = Math.min(this.maxItems(q, 100), 100);
    const type = q.get("hostedzonetype");
    let zones = [...this.zones.values()];
    if (type === "PrivateHostedZone") zones = zones.filter((z) => z.private);
    const marker = q.get("marker");
    let start = 0;
    if (marker !== null) {
      start = zones.findIndex((z) => z.id === marker);
      if (start < 0) throw new ApiError(400, "InvalidInput", `Invalid marker: ${marker}`);
    }
    const page = zones.slice(start, start + max);
    const next = zones[start + max];
    return (
      `<ListHostedZonesResponse xmlns="${NS}"><HostedZones>${page.map((z) => this.hostedZoneXml(z)).join("")}</HostedZones>` +
      (marker !== null ? `<Marker>${esc(marker)}</Marker>` : "") +
      `<IsTruncated>${!!next}</IsTruncated>` +
      (next ? `<NextMarker>${next.id}</NextMarker>` : "") +
      `<MaxItems>${max}</MaxItems></ListHostedZonesResponse>`
    );
  }

  private listHostedZonesByName(q: URLSearchParams): string {
    const max = Math.min(this.maxItems(q, 100), 100);
    const dns = q.get("dnsname");
    const zid = q.get("hostedzoneid");
    if (zid !== null && dns === null) {
      throw new ApiError(400, "InvalidInput", "The input is not valid: HostedZoneId requires DNSName");
    }
    let dnsName: string | undefined;
    try {
      dnsName = dns === null ? undefined : normalizeName(dns);
    } catch (e) {
      throw new ApiError(400, "InvalidDomainName", `${(e as Error).message}`);
    }
    const zones = [...this.zones.values()].sort((a, b) => cmp(sortKey(a.name), sortKey(b.name)) || cmp(a.id, b.id));
    const startIdx = dnsName
      ? zones.findIndex((z) => {
          const c = cmp(sortKey(z.name), sortKey(dnsName!));
          return c > 0 || (c === 0 && (zid === null || z.id >= cleanId(zid)));
        })
      : 0;
    const from = startIdx < 0 ? zones.length : startIdx;
    const page = zones.slice(from, from + max);
    const next = zones[from + max];
    return (
      `<ListHostedZonesByNameResponse xmlns="${NS}"><HostedZones>${page.map((z) => this.hostedZoneXml(z)).join("")}</HostedZones>` +
      (dnsName ? `<DNSName>${esc(dnsName)}</DNSName>` : "") +
      (zid ? `<HostedZoneId>${esc(cleanId(zid))}</HostedZoneId>` : "") +
      `<IsTruncated>${!!next}</IsTruncated>` +
      (next ? `<NextDNSName>${esc(next.name)}</NextDNSName><NextHostedZoneId>${next.id}</NextHostedZoneId>` : "") +
      `<MaxItems>${max}</MaxItems></ListHostedZonesByNameResponse>`
    );
  }

  private getHostedZone(id: string): string {
    const z = this.zone(id);
    const extra = z.private
      ? `<VPCs><VPC><VPCRegion>us-east-1</VPCRegion><VPCId>${z.vpcId}</VPCId></VPC></VPCs>`
      : `<DelegationSet><NameServers>${z.nameServers.map((s) => `<NameServer>${s}</NameServer>`).join("")}</NameServers></DelegationSet>`;
    return `<GetHostedZoneResponse xmlns="${NS}">${this.hostedZoneXml(z)}${extra}</GetHostedZoneResponse>`;
  }

  private listTagsForResource(id: string): string {
    const z = this.zone(id);
    return (
      `<ListTagsForResourceResponse xmlns="${NS}"><ResourceTagSet><ResourceType>hostedzone</ResourceType>` +
      `<ResourceId>${z.id}</ResourceId><Tags/></ResourceTagSet></ListTagsForResourceResponse>`
    );
  }

  // ---- record sets ----------------------------------------------------------------------

  private rrsetXml(r: RecordSet): string {
    return (
      `<ResourceRecordSet><Name>${esc(r.name)}</Name><Type>${r.type}</Type><TTL>${r.ttl}</TTL><ResourceRecords>` +
      r.values.map((v) => `<ResourceRecord><Value>${esc(v)}</Value></ResourceRecord>`).join("") +
      `</ResourceRecords></ResourceRecordSet>`
    );
  }

  private listResourceRecordSets(id: string, q: URLSearchParams): string {
    const zone = this.zone(id);
    const name = q.get("name");
    const type = q.get("type");
    if (type !== null && name === null) {
      throw new ApiError(400, "InvalidInput", "The input is not valid: StartRecordType requires StartRecordName");
    }
    if (type !== null && !RR_TYPES.includes(type)) {
      throw new ApiError(
        400,
        "InvalidInput",
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [${RR_TYPES.join(", ")}]`,
      );
    }
    if (q.get("identifier") !== null) {
      throw new ApiError(400, "InvalidInput", "The Route53Endpoint test stand-in does not support StartRecordIdentifier");
    }
    const max = Math.min(this.maxItems(q, 300), 300);
    let startName: string | undefined;
    try {
      startName = name === null ? undefined : normalizeName(name);
    } catch (e) {
      throw new ApiError(400, "InvalidInput", `Invalid name: ${(e as Error).message}`);
    }
    const all = [...zone.records.values()].sort(compareRRSets);
    let from = 0;
    if (startName) {
      const start = { name: startName, type: type ?? "" };
      from = all.findIndex((r) => compareRRSets(r, start) >= 0);
      if (from < 0) from = all.length;
    }
    const page = all.slice(from, from + max);
    const next = all[from + max];
    return (
      `<ListResourceRecordSetsResponse xmlns="${NS}"><ResourceRecordSets>${page.map((r) => this.rrsetXml(r)).join("")}</ResourceRecordSets>` +
      `<IsTruncated>${!!next}</IsTruncated>` +
      (next ? `<NextRecordName>${esc(next.name)}</NextRecordName><NextRecordType>${next.type}</NextRecordType>` : "") +
      `<MaxItems>${q.get("maxitems") ?? max}</MaxItems></ListResourceRecordSetsResponse>`
    );
  }

  private changeResourceRecordSets(id: string, body: string): string {
    const zone = this.zone(id);
    let root: XmlNode;
    try {
      root = parseXml(body);
    } catch (e) {
      throw new ApiError(400, "InvalidInput", `Invalid XML ; ${(e as Error).message}`);
    }
    if (root.name !== "ChangeResourceRecordSetsRequest") {
      throw new ApiError(400, "InvalidInput", `Invalid XML ; unexpected root element '${root.name}', expected ChangeResourceRecordSetsRequest`);
    }
    const batch = child(root, "ChangeBatch");
    const changesNode = child(batch, "Changes");
    const changeNodes = changesNode?.children.filter((c) => c.name === "Change") ?? [];
    if (!batch || changeNodes.length === 0) {
      throw new ApiError(
        400,
        "InvalidInput",
        "Invalid XML ; The content of element 'Changes' is not complete. One of '{\"https://route53.amazonaws.com/doc/2013-04-01/\":Change}' is expected.",
      );
    }
    const changes = changeNodes.map((c) => this.parseChange(c));
    const comment = childText(batch, "Comment");
    const messages = this.applyBatch(zone, changes);
    if (messages.length) throw new ApiError(400, "InvalidChangeBatch", `[${messages.join(", ")}]`);

    const change: ChangeState = {
      id: randomId("C", 20),
      submittedAt: new Date().toISOString(),
      comment,
      pollsLeft: this.pendingPolls,
    };
    this.changes.set(change.id, change);
    return `<ChangeResourceRecordSetsResponse xmlns="${NS}">${this.changeInfoXml(change, "PENDING")}</ChangeResourceRecordSetsResponse>`;
  }

  private parseChange(node: XmlNode): { action: string; rrset: RecordSet; rawName: string } {
    const action = childText(node, "Action") ?? "";
    if (!["CREATE", "DELETE", "UPSERT"].includes(action)) {
      throw new ApiError(
        400,
        "InvalidInput",
        `Invalid XML ; cvc-enumeration-valid: Value '${action}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'. ` +
          "It must be a value from the enumeration.",
      );
    }
    const rr = child(node, "ResourceRecordSet");
    const rawName = childText(rr, "Name");
    const type = childText(rr, "Type") ?? "";
    if (!rr || rawName === undefined) {
      throw new ApiError(
        400,
        "InvalidInput",
        "Invalid XML ; The content of element 'ResourceRecordSet' is not complete. " +
          "One of '{\"https://route53.amazonaws.com/doc/2013-04-01/\":Name}' is expected.",
      );
    }
    if (!RR_TYPES.includes(type)) {
      throw new ApiError(
        400,
        "InvalidInput",
        `Invalid XML ; cvc-enumeration-valid: Value '${type}' is not facet-valid with respect to enumeration '[${RR_TYPES.join(", ")}]'. ` +
          "It must be a value from the enumeration.",
      );
    }
    for (const f of UNSUPPORTED_RRSET_FIELDS) {
      if (child(rr, f)) throw new ApiError(400, "InvalidInput", `The Route53Endpoint test stand-in does not support ${f}`);
    }
    const ttlText = childText(rr, "TTL");
    const recordsNode = child(rr, "ResourceRecords");
    if (recordsNode && !recordsNode.children.some((c) => c.name === "ResourceRecord")) {
      throw new ApiError(
        400,
        "InvalidInput",
        "Invalid XML ; The content of element 'ResourceRecords' is not complete. " +
          "One of '{\"https://route53.amazonaws.com/doc/2013-04-01/\":ResourceRecord}' is expected.",
      );
    }
    if (ttlText === undefined || !recordsNode) {
      throw new ApiError(
        400,
        "InvalidInput",
        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], " +
          `but found none in Change with [Action=${action}, Name=${rawName}, Type=${type}, SetIdentifier=null]`,
      );
    }
    const t = ttlText.trim();
    if (!/^-?\d+$/.test(t)) {
      throw new ApiError(400, "InvalidInput", `Invalid XML ; cvc-datatype-valid.1.2.1: '${t}' is not a valid value for 'integer'.`);
    }
    const ttl = Number(t);
    if (ttl < 0) {
      throw new ApiError(
        400,
        "InvalidInput",
        `Invalid XML ; cvc-minInclusive-valid: Value '${t}' is not facet-valid with respect to minInclusive '0' for type 'TTL'.`,
      );
    }
    if (ttl > MAX_TTL) {
      throw new ApiError(
        400,
        "InvalidInput",
        `Invalid XML ; cvc-maxInclusive-valid: Value '${t}' is not facet-valid with respect to maxInclusive '${MAX_TTL}' for type 'TTL'.`,
      );
    }
    const values = recordsNode.children.filter((c) => c.name === "ResourceRecord").map((c) => childText(c, "Value") ?? "");
    return { action, rawName, rrset: { name: rawName, type, ttl, values } };
  }

  /** Applies changes to a copy of the zone; commits only if there are no messages. */
  private applyBatch(zone: Zone, changes: { action: string; rrset: RecordSet; rawName?: string }[]): string[] {
    const work = new Map(zone.records);
    const messages: string[] = [];
    const recordCount = changes.reduce((n, c) => n + c.rrset.values.length, 0);
    if (recordCount > 1000) return ["Number of records limit of 1000 exceeded."];
    const rdata = changes.reduce((n, c) => n + c.rrset.values.reduce((m, v) => m + v.length, 0) * (c.action === "UPSERT" ? 2 : 1), 0);
    if (rdata > 32000) return ["RDATA character limit of 32000 exceeded."];

    for (const { action, rrset } of changes) {
      const type = rrset.type.toUpperCase();
      let name: string;
      try {
        name = normalizeName(rrset.name);
      } catch (e) {
        messages.push(`Invalid Resource Record Set name '${rrset.name}': FATAL problem: ${(e as Error).message}`);
        continue;
      }
      const label = `[name='${name}', type='${type}']`;
      if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
        messages.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
        continue;
      }
      const key = rrKey(name, type);
      const existing = work.get(key);
      if (action === "DELETE") {
        if (!existing) {
          messages.push(`Tried to delete resource record set ${label} but it was not found`);
        } else if (existing.ttl !== rrset.ttl || !sameValues(type, existing.values, rrset.values)) {
          messages.push(`Tried to delete resource record set ${label} but the values provided do not match the current values`);
        } else {
          work.delete(key);
        }
        continue;
      }
      // CREATE / UPSERT
      if (action === "CREATE" && existing) {
        messages.push(`Tried to create resource record set ${label} but it already exists`);
        continue;
      }
      const valueProblems = rrset.values
        .map((v) => {
          const p = valueProblem(type, v);
          return p ? `Invalid Resource Record: 'FATAL problem: ${p} encountered with '${v}''` : undefined;
        })
        .filter((m): m is string => !!m);
      if (valueProblems.length) {
        messages.push(...valueProblems);
        continue;
      }
      const seen = new Set<string>();
      const dup = rrset.values.find((v) => {
        const c = canonicalValue(type, v);
        if (seen.has(c)) return true;
        seen.add(c);
        return false;
      });
      if (dup !== undefined) {
        messages.push(`Duplicate Resource Record: '${dup}'`);
        continue;
      }
      if (type === "CNAME" && name === zone.name) {
        messages.push(`RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone.name}`);
        continue;
      }
      if (type === "CNAME" && rrset.values.length > 1) {
        messages.push(`RRSet of type CNAME with DNS name ${name} contains more than one value`);
        continue;
      }
      const others = [...work.values()].filter((r) => r.name === name && r.type !== type);
      if (type === "CNAME" && others.length) {
        messages.push(
          `RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`,
        );
        continue;
      }
      if (type !== "CNAME" && others.some((r) => r.type === "CNAME")) {
        messages.push(
          `RRSet of type ${type} with DNS name ${name} is not permitted ` +
            `because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone ${zone.name}`,
        );
        continue;
      }
      work.set(key, { name, type, ttl: rrset.ttl, values: [...rrset.values] });
    }
    if (!messages.length) {
      if (!work.has(rrKey(zone.name, "SOA"))) messages.push("A HostedZone must contain exactly one SOA record.");
      if (!work.has(rrKey(zone.name, "NS"))) messages.push("A HostedZone must contain at least one NS record for the zone itself.");
    }
    if (!messages.length) zone.records = work;
    return messages;
  }

  private changeInfoXml(c: ChangeState, status: string): string {
    return (
      `<ChangeInfo><Id>/change/${c.id}</Id><Status>${status}</Status><SubmittedAt>${c.submittedAt}</SubmittedAt>` +
      (c.comment !== undefined ? `<Comment>${esc(c.comment)}</Comment>` : "") +
      `</ChangeInfo>`
    );
  }

  private getChange(id: string): string {
    const c = this.changes.get(cleanId(id));
    if (!c) throw new ApiError(404, "NoSuchChange", `A change with the specified change ID does not exist: ${cleanId(id)}`);
    let status = "INSYNC";
    if (c.pollsLeft > 0) {
      c.pollsLeft--;
      status = "PENDING";
    }
    return `<GetChangeResponse xmlns="${NS}">${this.changeInfoXml(c, status)}</GetChangeResponse>`;
  }
}

// ---------------------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------------------

interface WorkerInit {
  port: MessagePort;
  signal: SharedArrayBuffer;
  opts: Route53EndpointOptions;
}

interface RpcRequest {
  seq: number;
  method: string;
  args: unknown[];
}

interface RpcReply {
  seq: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** Entry point of the worker thread (called by the bootstrap in `Route53Endpoint.start`). */
export function __route53EndpointWorkerMain(): void {
  const init = workerData as WorkerInit;
  const model = new Route53Model(init.opts);
  const flag = new Int32Array(init.signal);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = model.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks).toString("utf8"));
      const body = Buffer.from(r.body, "utf8");
      res.writeHead(r.status, {
        "Content-Type": "text/xml",
        "Content-Length": body.length,
        "x-amzn-RequestId": crypto.randomUUID(),
      });
      res.end(body);
    });
  });
  const methods: Record<string, (...a: any[]) => unknown> = {
    createZone: (n: string, o?: { id?: string; private?: boolean }) => model.createZone(n, o),
    putRecord: (z: string, rs: RecordSet) => model.putRecord(z, rs),
    deleteRecord: (z: string, n: string, t: string) => model.deleteRecord(z, n, t),
    records: (z: string) => model.records(z),
    zoneFile: (z: string) => model.zoneFile(z),
    requests: () => model.requests(),
    clearRequests: () => model.clearRequests(),
    configure: (o: Route53EndpointOptions) => model.configure(o),
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
  init.port.on("message", (m: RpcRequest) => {
    let reply: RpcReply;
    try {
      const fn = methods[m.method];
      if (!fn) throw new Error(`unknown method ${m.method}`);
      reply = { seq: m.seq, ok: true, value: fn(...m.args) };
    } catch (e) {
      const msg = e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message;
      reply = { seq: m.seq, ok: false, error: msg };
    }
    init.port.postMessage(reply);
    Atomics.store(flag, 0, m.seq);
    Atomics.notify(flag, 0);
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, "127.0.0.1", () => {
    const addr = server.address() as net.AddressInfo;
    init.port.postMessage({ ready: `http://127.0.0.1:${addr.port}` });
  });
}

// ---------------------------------------------------------------------------------------
// Main-thread facade
// ---------------------------------------------------------------------------------------

export class Route53Endpoint {
  private seq = 0;
  private stopped = false;

  private constructor(
    readonly url: string,
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
  ) {}

  /** Starts the server on 127.0.0.1 with a free port, in a worker thread. */
  static async start(opts: Route53EndpointOptions = {}): Promise<Route53Endpoint> {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const file = __filename;
    const tsNode = file.endsWith(".ts") ? require.resolve("ts-node") : null;
    const bootstrap = `
      const { workerData } = require("node:worker_threads");
      if (workerData.tsNode) {
        require(workerData.tsNode).register({
          transpileOnly: true,
          skipProject: true,
          compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true },
        });
      }
      require(workerData.file).__route53EndpointWorkerMain();
    `;
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: { port: port2, signal, opts, file: path.resolve(file), tsNode },
      transferList: [port2],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      const onExit = (code: number) => reject(new Error(`Route53Endpoint worker exited with code ${code}`));
      worker.once("error", onError);
      worker.once("exit", onExit);
      port1.once("message", (m: { ready?: string }) => {
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (m.ready) resolve(m.ready);
        else reject(new Error("Route53Endpoint worker sent an unexpected first message"));
      });
    });
    // From here on the port is read synchronously only (receiveMessageOnPort).
    port1.removeAllListeners("message");
    worker.unref();
    port1.unref();
    return new Route53Endpoint(url, worker, port1, new Int32Array(signal));
  }

  private call<T>(method: string, ...args: unknown[]): T {
    if (this.stopped) throw new Error("Route53Endpoint is stopped");
    const seq = ++this.seq;
    this.port.postMessage({ seq, method, args } satisfies RpcRequest);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (m) {
        const reply = m.message as RpcReply;
        if (reply.seq !== seq) continue;
        if (!reply.ok) throw new Error(reply.error);
        return reply.value as T;
      }
      if (Date.now() > deadline) throw new Error(`Route53Endpoint worker did not answer ${method}`);
      // Sleep until the worker bumps the flag (or 50 ms), then look at the port again.
      Atomics.wait(this.flag, 0, Atomics.load(this.flag, 0), 50);
    }
  }

  /** Environment for terraform/the AWS SDK: endpoint URLs, fake credentials, us-east-1. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_ROUTE_53: this.url,
      AWS_ENDPOINT_URL_STS: this.url,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    };
  }

  /**
   * Creates a hosted zone with Route 53's SOA and four NS records; returns its id
   * (`Z` + 13-21 of A-Z 0-9, random unless given).
   */
  createZone(name: string, opts?: { id?: string; private?: boolean; vpcId?: string }): string {
    return this.call("createZone", name, opts);
  }

  /** Seeds a record set (UPSERT semantics, same validation as the API; throws if invalid). */
  putRecord(zoneId: string, rs: RecordSet): void {
    this.call("putRecord", zoneId, rs);
  }

  /** Removes a record set directly (no validation beyond existence). */
  deleteRecord(zoneId: string, name: string, type: string): void {
    this.call("deleteRecord", zoneId, name, type);
  }

  /** All record sets of the zone, in ListResourceRecordSets order (SOA and NS included). */
  records(zoneId: string): RecordSet[] {
    return this.call("records", zoneId);
  }

  /** The zone as an RFC 1035 master file ($ORIGIN, SOA, NS and every record set). */
  zoneFile(zoneId: string): string {
    return this.call("zoneFile", zoneId);
  }

  /** Every request received so far (a snapshot), oldest first. */
  get requests(): LoggedRequest[] {
    return this.call("requests");
  }

  clearRequests(): void {
    this.call("clearRequests");
  }

  /** Changes throttling (`null` turns it off) or pendingPolls for later requests/changes. */
  configure(opts: { throttlePerSecond?: number | null; pendingPolls?: number }): void {
    this.call("configure", opts);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    try {
      this.call("stop");
    } finally {
      this.stopped = true;
      this.port.close();
      await this.worker.terminate();
    }
  }
}
