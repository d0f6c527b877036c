/**
 * moto's server (`moto_server`, pip moto 5.2.1 on the machine image): an AWS
 * emulator nobody here wrote, for Route53 and STS. It picks the service from
 * the SigV4 credential scope and checks no signature, so plain HTTP requests
 * with a dummy `Authorization` header drive it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import type { RecordSet } from "./route53-endpoint";

const API = "/2013-04-01";
const NS = "https://route53.amazonaws.com/doc/2013-04-01/";
const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";

/** Throws (so the test FAILS rather than skips) unless `moto_server` is on PATH. */
export function requireMoto(): void {
  const r = spawnSync("moto_server", ["--help"], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`moto_server is required for this test (pip install 'moto[server]==5.2.1'): ${r.error?.message ?? r.stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, name: string, code?: string) =>
    code ? String.fromCharCode(Number(code)) : { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[name]!,
  );
const tag = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => unescapeXml(m[1]));

export class MotoServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private log: string[],
  ) {}

  /**
   * Starts `moto_server` on a free port of 127.0.0.1 and waits until it answers. Its Python start-up
   * took 16 s on the shared 2-core machine at load 18 (30 s was too short there): the limit only ends a start that failed.
   */
  static async start(timeoutMs = 120_000): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
    const log: string[] = [];
    const keep = (d: Buffer) => void log.push(d.toString("utf8"));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const moto = new MotoServer(child, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${log.join("").slice(-2000)}`);
      try {
        if ((await fetch(`${moto.url}/moto-api/`)).ok) return moto;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        moto.stop();
        throw new Error(`moto_server did not answer on port ${port} within ${timeoutMs} ms: ${log.join("").slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** What the AWS provider needs to talk to this server with dummy credentials. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_ROUTE_53: this.url,
      AWS_ENDPOINT_URL_STS: this.url,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    };
  }

  private async route53(method: "GET" | "POST", path: string, body?: string): Promise<string> {
    const res = await fetch(`${this.url}${API}${path}`, {
      method,
      headers: {
        // moto routes a request by the service of its credential scope; the signature is not checked.
        Authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20260101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0`,
        ...(body ? { "Content-Type": "application/xml" } : {}),
      },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`moto ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    return text;
  }

  /** Creates a public hosted zone; returns its id as moto issues it (no `/hostedzone/`). */
  async createZone(name: string): Promise<string> {
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="${NS}"><Name>${name}</Name>` +
      `<CallerReference>dkimctl-test-${name}-${Date.now()}</CallerReference></CreateHostedZoneRequest>`;
    const [id] = tag(await this.route53("POST", "/hostedzone", body), "Id");
    return id.replace(/^\/hostedzone\//, "");
  }

  /** The zone's record sets as moto serves them to the provider (ListResourceRecordSets, page after page). */
  async records(zoneId: string): Promise<RecordSet[]> {
    const out: RecordSet[] = [];
    let next = "";
    for (;;) {
      const xml = await this.route53("GET", `/hostedzone/${zoneId}/rrset?maxitems=300${next}`);
      out.push(
        ...tag(xml, "ResourceRecordSet").map((set) => ({
          name: tag(set, "Name")[0],
          type: tag(set, "Type")[0],
          ttl: Number(tag(set, "TTL")[0]),
          values: tag(set, "Value"),
        })),
      );
      if (tag(xml, "IsTruncated")[0] !== "true") return out;
      next = `&name=${encodeURIComponent(tag(xml, "NextRecordName")[0])}&type=${encodeURIComponent(tag(xml, "NextRecordType")[0])}`;
    }
  }

  /** The server's log (requests and tracebacks), for a failure message. */
  logTail(chars = 4000): string {
    return this.log.join("").slice(-chars);
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
  }
}
