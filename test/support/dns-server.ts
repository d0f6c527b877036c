/**
 * Test support: a real authoritative DNS server (Knot DNS, `knotd`) on 127.0.0.1.
 *
 * Each server runs in its own temp dir (config, zone files, LMDB storage, rundir with the
 * control socket), listens on one free port for UDP and TCP, logs to stderr (captured), and
 * needs no root. `startDnsServer` resolves only once every zone answers an SOA query.
 *
 * Reload: if the set of zone names is unchanged, the zone files are rewritten and
 * `knotc -b -f zone-reload` reloads them in place (knot reloads the whole file even when
 * the SOA serial did not change, because the zones use `zonefile-load: whole` with no journal);
 * this is verified by waiting for knot's "[zone.] loaded, serial ..." log line for every zone
 * (and failing on "zone event 'load' failed"). If the zone set changed, or `knotc` is not
 * available, knotd is restarted on the same port with fresh storage.
 *
 * Binary: env DKIMCTL_KNOTD (default /usr/sbin/knotd); knotc: env DKIMCTL_KNOTC (default: knotc
 * next to knotd). Missing knotd throws, telling to `apt-get install knot` (tests fail, not skip).
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import * as dgram from "node:dgram";
import { promises as dnsPromises } from "node:dns";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface ServedZone {
  /** Zone apex, e.g. "example.com" (trailing dot optional, case-insensitive). */
  name: string;
  /** RFC 1035 master-file text. */
  zoneFile: string;
}

export interface DnsServer {
  host: string;
  port: number;
  /** "127.0.0.1:PORT", suitable for dns.Resolver#setServers. */
  address: string;
  /** Rewrite the zone files (the new complete set of zones) and wait until knot serves them. */
  reload(zones: ServedZone[]): Promise<void>;
  /** Stop knotd and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_LOG_CHARS = 256 * 1024;

export function knotdPath(): string {
  return process.env.DKIMCTL_KNOTD || "/usr/sbin/knotd";
}

function knotcPath(knotd: string): string {
  return process.env.DKIMCTL_KNOTC || path.join(path.dirname(knotd), "knotc");
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function assertKnotd(knotd: string): void {
  if (!isExecutable(knotd)) {
    throw new Error(
      `Knot DNS server binary not found or not executable at ${knotd}. Install it with: apt-get install knot (or point DKIMCTL_KNOTD at a knotd binary).`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Zone file writer
// ---------------------------------------------------------------------------------------------

export type ZoneRecordType = "TXT" | "CNAME" | "A" | "AAAA" | "MX" | "NS" | "PTR" | "SRV" | "CAA";

export interface ZoneRecord {
  /** "@" or "" for the apex; a name ending in "." or ending in the origin is absolute; otherwise relative to the origin. */
  name: string;
  type: ZoneRecordType;
  ttl: number;
  /** TXT: the character-strings of the record, each at most 255 bytes (UTF-8). */
  strings?: string[];
  /** Non-TXT: the RDATA in presentation format. Domain names for CNAME/NS/PTR are made absolute.
   *  TXT: if `strings` is absent, `value` is split into 255-byte character-strings. */
  value?: string;
}

export interface ZoneFileOptions {
  /** SOA serial (default 1). Knot reloads regardless of the serial here. */
  serial?: number;
}

function normalizeZoneName(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, "");
  if (!n || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(n)) {
    throw new Error(`invalid zone name ${JSON.stringify(name)}`);
  }
  return n;
}

function absoluteName(name: string, origin: string): string {
  const n = name.trim();
  if (n === "" || n === "@") return `${origin}.`;
  if (!/^[A-Za-z0-9_*.-]+$/.test(n) || n.startsWith(".") || n.includes("..")) {
    throw new Error(`invalid owner name ${JSON.stringify(name)}`);
  }
  if (n.endsWith(".")) return n;
  const lower = n.toLowerCase();
  if (lower === origin || lower.endsWith(`.${origin}`)) return `${n}.`;
  return `${n}.${origin}.`;
}

/** One DNS character-string as a quoted master-file token: `"`, `\` escaped, non-printables as \DDD. */
export function quoteCharacterString(s: string): string {
  const bytes = Buffer.from(s, "utf8");
  if (bytes.length > 255) {
    throw new Error(`TXT character-string is ${bytes.length} bytes, the maximum is 255`);
  }
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else out += `\\${String(b).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** Split a string into character-strings of at most 255 UTF-8 bytes (never splitting a code point). */
export function splitCharacterStrings(value: string, max = 255): string[] {
  const out: string[] = [];
  let cur = "";
  let curLen = 0;
  for (const ch of value) {
    const len = Buffer.byteLength(ch, "utf8");
    if (curLen + len > max) {
      out.push(cur);
      cur = "";
      curLen = 0;
    }
    cur += ch;
    curLen += len;
  }
  out.push(cur);
  return out;
}

/**
 * A complete, valid master file for `origin`: $ORIGIN/$TTL, SOA, NS ns1.<origin>, ns1 A 127.0.0.1,
 * then the given records (all owner names written absolute).
 */
export function zoneFile(origin: string, records: ZoneRecord[], opts: ZoneFileOptions = {}): string {
  const o = normalizeZoneName(origin);
  const serial = opts.serial ?? 1;
  if (!Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) throw new Error(`invalid SOA serial ${serial}`);
  const lines = [
    `$ORIGIN ${o}.`,
    `$TTL 3600`,
    `${o}.\t3600\tIN\tSOA\tns1.${o}. hostmaster.${o}. ${serial} 3600 600 604800 60`,
    `${o}.\t3600\tIN\tNS\tns1.${o}.`,
    `ns1.${o}.\t3600\tIN\tA\t127.0.0.1`,
  ];
  for (const r of records) {
    if (!Number.isInteger(r.ttl) || r.ttl < 0 || r.ttl > 0x7fffffff) {
      throw new Error(`invalid TTL ${r.ttl} for ${r.name}`);
    }
    const owner = absoluteName(r.name, o);
    let rdata: string;
    if (r.type === "TXT") {
      const strings = r.strings ?? (r.value !== undefined ? splitCharacterStrings(r.value) : undefined);
      if (!strings || strings.length === 0) throw new Error(`TXT record ${owner} needs at least one string`);
      rdata = strings.map(quoteCharacterString).join(" ");
    } else {
      if (r.value === undefined || r.value.trim() === "" || /[\r\n]/.test(r.value)) {
        throw new Error(`${r.type} record ${owner} needs a single-line value`);
      }
      rdata = r.value.trim();
      if ((r.type === "CNAME" || r.type === "NS" || r.type === "PTR") && !rdata.endsWith(".")) rdata += ".";
    }
    lines.push(`${owner}\t${r.ttl}\tIN\t${r.type}\t${rdata}`);
  }
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// knotd process management
// ---------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort if a test forgets stop(): never leave knotd running after the test process.
    process.on("exit", () => {
      for (const c of liveChildren) {
        try {
          c.kill("SIGKILL");
        } catch {
          /* already gone */
        }
      }
    });
  }
}

interface KnotProcess {
  child: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
}

function spawnKnotd(knotd: string, confPath: string): KnotProcess {
  let log = "";
  const append = (chunk: Buffer) => {
    log += chunk.toString("utf8");
    if (log.length > MAX_LOG_CHARS) log = log.slice(log.length - MAX_LOG_CHARS);
  };
  const child = spawn(knotd, ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const kp: KnotProcess = {
    child,
    log: () => log,
    exited: new Promise((resolve) => {
      child.on("error", (err) => {
        append(Buffer.from(`spawn error: ${err.message}\n`));
        liveChildren.delete(child);
        kp.exitInfo = { code: -1, signal: null };
        resolve(kp.exitInfo);
      });
      child.on("exit", (code, signal) => {
        liveChildren.delete(child);
        kp.exitInfo = { code, signal };
        resolve(kp.exitInfo);
      });
    }),
  };
  return kp;
}

async function killKnotd(kp: KnotProcess): Promise<void> {
  if (kp.exitInfo) return;
  kp.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (!kp.exitInfo) kp.child.kill("SIGKILL");
  }, STOP_TIMEOUT_MS);
  await kp.exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function soaAnswers(port: number, zone: string): Promise<boolean> {
  const r = new dnsPromises.Resolver({ timeout: 300, tries: 1 });
  r.setServers([`${HOST}:${port}`]);
  try {
    const soa = await r.resolveSoa(zone);
    return !!soa && typeof soa.serial === "number";
  } catch {
    return false;
  } finally {
    r.cancel();
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function zoneLoadFailure(log: string, zones: string[]): string | undefined {
  for (const z of zones) {
    const re = new RegExp(`^.*\\[${escapeRegExp(z)}\\.\\].*(zone event 'load' failed|failed to load zone|failed to parse zone).*$`, "im");
    const m = re.exec(log);
    if (m) return m[0];
  }
  return undefined;
}

class KnotStartError extends Error {
  constructor(
    message: string,
    readonly bindFailure: boolean,
  ) {
    super(message);
  }
}

export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(0, HOST, () => resolve((tcp.address() as net.AddressInfo).port));
    });
    const udp = dgram.createSocket("udp4");
    const udpOk = await new Promise<boolean>((resolve) => {
      udp.once("error", () => resolve(false));
      udp.bind(port, HOST, () => resolve(true));
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    await new Promise<void>((r) => {
      try {
        udp.close(() => r());
      } catch {
        r();
      }
    });
    if (udpOk) return port;
  }
  throw new Error("could not find a port free for both UDP and TCP on 127.0.0.1");
}

function knotConfig(dir: string, port: number, zones: string[]): string {
  const q = (s: string) => JSON.stringify(s); // paths come from mkdtemp: plain ASCII, JSON quoting is valid YAML
  return [
    "server:",
    `    rundir: ${q(path.join(dir, "run"))}`,
    `    listen: ${HOST}@${port}`,
    "    udp-workers: 1",
    "    tcp-workers: 1",
    "    background-workers: 1",
    "",
    "log:",
    "  - target: stderr",
    "    any: info",
    "",
    "database:",
    `    storage: ${q(path.join(dir, "storage"))}`,
    "",
    "control:",
    `    listen: ${q(path.join(dir, "run", "knot.sock"))}`,
    "",
    "template:",
    "  - id: default",
    `    storage: ${q(path.join(dir, "zones"))}`,
    "    zonefile-sync: -1",
    "    zonefile-load: whole",
    "    journal-content: none",
    "    semantic-checks: off",
    "",
    "zone:",
    ...zones.flatMap((z) => [`  - domain: ${z}`, `    file: ${q(path.join(dir, "zones", `${z}.zone`))}`]),
    "",
  ].join("\n");
}

function normalizeZones(zones: ServedZone[]): { name: string; zoneFile: string }[] {
  if (zones.length === 0) throw new Error("startDnsServer needs at least one zone");
  const seen = new Set<string>();
  return zones.map((z) => {
    const name = normalizeZoneName(z.name);
    if (seen.has(name)) throw new Error(`zone ${name} given twice`);
    seen.add(name);
    return { name, zoneFile: z.zoneFile.endsWith("\n") ? z.zoneFile : `${z.zoneFile}\n` };
  });
}

function writeFiles(dir: string, port: number, zones: { name: string; zoneFile: string }[]): string {
  const zonesDir = path.join(dir, "zones");
  fs.mkdirSync(zonesDir, { recursive: true });
  fs.mkdirSync(path.join(dir, "run"), { recursive: true });
  fs.mkdirSync(path.join(dir, "storage"), { recursive: true });
  const wanted = new Set(zones.map((z) => `${z.name}.zone`));
  for (const f of fs.readdirSync(zonesDir)) if (!wanted.has(f)) fs.rmSync(path.join(zonesDir, f), { force: true });
  for (const z of zones) {
    const file = path.join(zonesDir, `${z.name}.zone`);
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, z.zoneFile);
    fs.renameSync(tmp, file);
  }
  const conf = path.join(dir, "knot.conf");
  fs.writeFileSync(
    conf,
    knotConfig(
      dir,
      port,
      zones.map((z) => z.name),
    ),
  );
  return conf;
}

function failureMessage(what: string, kp: KnotProcess, detail?: string): string {
  const exit = kp.exitInfo ? ` (knotd exited: code ${kp.exitInfo.code}, signal ${kp.exitInfo.signal})` : "";
  return `${what}${exit}${detail ? `: ${detail}` : ""}\n--- knotd log ---\n${kp.log().trimEnd()}`;
}

/** Wait until knotd answers SOA for every zone; fail fast if it exits or a zone fails to load. */
async function waitReady(kp: KnotProcess, port: number, zones: string[], logOffset: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (kp.exitInfo) {
      const log = kp.log();
      throw new KnotStartError(failureMessage("knotd did not start", kp), /cannot bind|address already in use/i.test(log));
    }
    const failure = zoneLoadFailure(kp.log().slice(logOffset), zones);
    if (failure) throw new KnotStartError(failureMessage("knotd failed to load a zone", kp, failure), false);
    const answers = await Promise.all(zones.map((z) => soaAnswers(port, z)));
    if (answers.every(Boolean)) return;
    if (Date.now() > deadline) {
      const missing = zones.filter((_, i) => !answers[i]);
      throw new KnotStartError(
        failureMessage(`knotd on ${HOST}:${port} did not answer SOA within ${READY_TIMEOUT_MS / 1000}s`, kp, `no answer for ${missing.join(", ")}`),
        false,
      );
    }
    await sleep(50);
  }
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const errCode: unknown = err ? (err as { code?: unknown }).code : 0;
      const code = typeof errCode === "number" ? errCode : err ? 1 : 0;
      resolve({ code, out: `${stdout}${stderr}${err && !stdout && !stderr ? err.message : ""}` });
    });
  });
}

export async function startDnsServer(zones: ServedZone[]): Promise<DnsServer> {
  const knotd = knotdPath();
  assertKnotd(knotd);
  let current = normalizeZones(zones);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dkimctl-knot-"));

  let kp: KnotProcess | undefined;
  let port = 0;
  try {
    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      port = await findFreePort();
      const conf = writeFiles(dir, port, current);
      kp = spawnKnotd(knotd, conf);
      try {
        await waitReady(
          kp,
          port,
          current.map((z) => z.name),
          0,
        );
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        await killKnotd(kp);
        kp = undefined;
        if (!(err instanceof KnotStartError && err.bindFailure)) break; // only a lost port race is retried
      }
    }
    if (lastErr) throw lastErr;
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };

  const restart = async (): Promise<void> => {
    if (kp) await killKnotd(kp);
    fs.rmSync(path.join(dir, "storage"), { recursive: true, force: true });
    const conf = writeFiles(dir, port, current);
    kp = spawnKnotd(knotd, conf);
    await waitReady(
      kp,
      port,
      current.map((z) => z.name),
      0,
    );
  };

  const reloadInPlace = async (knotc: string): Promise<void> => {
    const p = kp!;
    const names = current.map((z) => z.name);
    writeFiles(dir, port, current);
    const offset = p.log().length;
    const res = await run(
      knotc,
      ["-c", path.join(dir, "knot.conf"), "-s", path.join(dir, "run", "knot.sock"), "-b", "-f", "zone-reload", ...names],
      READY_TIMEOUT_MS,
    );
    if (res.code !== 0) throw new Error(failureMessage(`knotc zone-reload failed (exit ${res.code})`, p, res.out.trim()));
    // Verify: every zone logged a fresh "loaded" line after the reload command.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const log = p.log().slice(offset);
      const failure = zoneLoadFailure(log, names);
      if (failure) throw new Error(failureMessage("knotd failed to reload a zone", p, failure));
      const pending = names.filter((z) => !new RegExp(`\\[${escapeRegExp(z)}\\.\\] loaded, serial`, "i").test(log));
      if (pending.length === 0) break;
      if (p.exitInfo || Date.now() > deadline) {
        throw new Error(failureMessage("knotd did not confirm the reload", p, `no "loaded" log line for ${pending.join(", ")}`));
      }
      await sleep(20);
    }
    await waitReady(p, port, names, offset);
  };

  return {
    host: HOST,
    port,
    address: `${HOST}:${port}`,
    reload(newZones: ServedZone[]): Promise<void> {
      return serialize(async () => {
        if (stopped) throw new Error("DNS server already stopped");
        const next = normalizeZones(newZones);
        const sameSet =
          next.length === current.length &&
          next
            .map((z) => z.name)
            .sort()
            .join(",") ===
            current
              .map((z) => z.name)
              .sort()
              .join(",");
        current = next;
        const knotc = knotcPath(knotd);
        if (sameSet && kp && !kp.exitInfo && isExecutable(knotc)) await reloadInPlace(knotc);
        else await restart();
      });
    },
    stop(): Promise<void> {
      return serialize(async () => {
        if (stopped) return;
        stopped = true;
        if (kp) await killKnotd(kp);
        fs.rmSync(dir, { recursive: true, force: true });
      });
    },
  };
}
