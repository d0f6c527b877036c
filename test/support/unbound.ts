/**
 * Test support: Debian's unbound as the recursive resolver in front of knot
 * (test/support/dns-server.ts), as receivers' resolvers are: it follows a
 * CNAME into another zone, validates DNSSEC where it has a trust anchor, and
 * answers SERVFAIL (with Extended DNS Errors) for what it cannot resolve.
 *
 * knot listens on a free port, and a referral cannot name a port, so the
 * delegations are given to unbound as stub zones: `stubsFromDelegations`
 * reads them from a parent zone's NS records and the address of each NS
 * host, so a zone is reachable exactly when its parent delegates it (a zone
 * its parent does not delegate is not; a delegation to a server that does
 * not serve the zone is lame). No root: every name asked is under a stub.
 *
 * Binary: env DKIMCTL_UNBOUND (default /usr/sbin/unbound), unbound-control beside it.
 * Missing unbound throws, telling to `apt-get install unbound` (tests fail, not skip).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { query } from "../../src/dns/transport";
import { findFreePort, trackChild } from "./dns-server";

export interface StubZone {
  /** The zone, e.g. "example.test". */
  readonly name: string;
  /** Its servers, "127.0.0.1:PORT". */
  readonly servers: readonly string[];
}

export interface UnboundOptions {
  readonly stubs: readonly StubZone[];
  /** Trust anchors as unbound reads them (`"zone. DNSKEY 257 3 13 ..."` or a DS). */
  readonly trustAnchors?: readonly string[];
}

export interface Unbound {
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:PORT". */
  readonly address: string;
  /** Forgets every cached answer (as if every TTL had passed). */
  flush(): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 10_000;

export function unboundPath(): string {
  return process.env.DKIMCTL_UNBOUND || "/usr/sbin/unbound";
}

/**
 * One stub zone per delegation in `parent`'s records (`{ name: "child", type: "NS", value: "ns1.child.test" }`),
 * reaching the NS hosts at `addresses` (NS name -> "127.0.0.1:PORT"); a delegation to hosts without an address has no stub.
 */
export function stubsFromDelegations(
  parent: string,
  records: readonly { name: string; type: string; value?: string }[],
  addresses: ReadonlyMap<string, string>,
): StubZone[] {
  const zones = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.type !== "NS" || r.name === "@" || r.name === "" || !r.value) continue;
    const child = r.name.endsWith(".") ? r.name.slice(0, -1) : `${r.name}.${parent}`;
    const address = addresses.get(r.value.replace(/\.$/, "").toLowerCase());
    if (!address) continue;
    if (!zones.has(child)) zones.set(child, new Set());
    zones.get(child)!.add(address);
  }
  return [...zones].map(([name, servers]) => ({ name, servers: [...servers] }));
}

function config(dir: string, port: number, opts: UnboundOptions): string {
  const q = JSON.stringify;
  // unbound answers RFC 6761's special-use names (test., invalid., ...) itself unless told not to.
  const tlds = [...new Set(opts.stubs.map((s) => s.name.split(".").pop()!))];
  return [
    "server:",
    `  interface: ${HOST}@${port}`,
    `  port: ${port}`,
    "  do-daemonize: no",
    '  username: ""',
    '  chroot: ""',
    `  directory: ${q(dir)}`,
    `  pidfile: ${q(path.join(dir, "unbound.pid"))}`,
    "  use-syslog: no",
    '  logfile: ""',
    "  verbosity: 1",
    "  num-threads: 1",
    "  do-not-query-localhost: no",
    "  access-control: 127.0.0.0/8 allow",
    "  ede: yes",
    "  val-log-level: 2",
    '  module-config: "validator iterator"',
    ...tlds.map((t) => `  local-zone: ${q(`${t}.`)} nodefault`),
    ...(opts.trustAnchors ?? []).map((t) => `  trust-anchor: ${q(t)}`),
    ...opts.stubs.flatMap((s) => ["stub-zone:", `  name: ${q(s.name)}`, ...s.servers.map((a) => `  stub-addr: ${a.replace(":", "@")}`)]),
    "remote-control:",
    "  control-enable: yes",
    `  control-interface: ${q(path.join(dir, "control.sock"))}`,
    "  control-use-cert: no",
    "",
  ].join("\n");
}

export async function startUnbound(opts: UnboundOptions): Promise<Unbound> {
  const unbound = unboundPath();
  if (!fs.existsSync(unbound)) throw new Error(`unbound not found at ${unbound}: apt-get install unbound (or point DKIMCTL_UNBOUND at it)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dkimctl-unbound-"));
  const port = await findFreePort();
  const conf = path.join(dir, "unbound.conf");
  fs.writeFileSync(conf, config(dir, port, opts));
  let log = "";
  const child: ChildProcess = spawn(unbound, ["-d", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  const append = (b: Buffer) => {
    log = (log + b.toString("utf8")).slice(-256 * 1024);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  let exited = false;
  const done = new Promise<void>((resolve) =>
    child.on("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await done;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it answers a question about the first stub zone (any RCODE: it is serving).
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const probe = opts.stubs[0]?.name ?? "localhost";
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`unbound did not start:\n${log}`);
    }
    try {
      await query({ host: HOST, port }, probe, "SOA", { recursionDesired: true, timeoutMs: 500, tries: 1 });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`unbound on ${HOST}:${port} did not answer within ${READY_TIMEOUT_MS / 1000}s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const control = path.join(path.dirname(unbound), "unbound-control");
  return {
    host: HOST,
    port,
    address: `${HOST}:${port}`,
    log: () => log,
    flush: () =>
      new Promise((resolve, reject) =>
        execFile(control, ["-c", conf, "reload"], (err, stdout, stderr) =>
          err ? reject(new Error(`unbound-control reload: ${stderr || stdout}`)) : resolve(),
        ),
      ),
    stop,
  };
}
