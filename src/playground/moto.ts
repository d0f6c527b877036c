/**
 * moto's AWS emulator (`moto_server`, pip moto[server]): Route53 and STS in
 * memory on a local port, no account and no Docker. It picks the service
 * from the SigV4 credential scope and checks no signature, so the AWS
 * provider and plain HTTP requests with dummy credentials drive it
 * (https://docs.getmoto.org/en/latest/docs/server_mode.html).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

/** Dummy credentials: moto accepts any; these are AWS's documentation examples. */
export const EMULATOR_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
export const EMULATOR_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const ROUTE53_API = "/2013-04-01";
const ROUTE53_NS = "https://route53.amazonaws.com/doc/2013-04-01/";

/** What to install when moto_server is missing. */
export const MOTO_INSTALL = "pip install 'moto[server]' (Python 3.9 or later; 'pipx install \"moto[server]\"' keeps it apart)";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The environment the AWS provider (and the AWS CLI and SDKs) need to talk to the emulator at `url`. */
export function emulatorEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ROUTE_53: url,
    AWS_ENDPOINT_URL_STS: url,
    AWS_ACCESS_KEY_ID: EMULATOR_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: EMULATOR_SECRET_KEY,
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, name: string, code?: string) =>
    code ? String.fromCharCode(Number(code)) : ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" } as Record<string, string>)[name],
  );
/** The text of every `<name>` element of `xml`. */
export const xmlTags = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => unescapeXml(m[1]));

export class MotoEmulator {
  private constructor(
    private readonly child: ChildProcess,
    /** http://127.0.0.1:PORT */
    readonly url: string,
    private readonly log: string[],
  ) {}

  /**
   * Starts `moto_server` on 127.0.0.1:`port` (default: a free one) and waits
   * until it answers; its log goes to `logFile`. Throws an Error saying what to
   * install when moto_server is not on PATH.
   */
  static async start(opts: { port?: number; logFile?: string; timeoutMs?: number } = {}): Promise<MotoEmulator> {
    const port = opts.port ?? (await freePort());
    // Its own process group: Ctrl-C in a shell that the playground runs does not stop the emulator under it.
    const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    const stop = () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    };
    process.once("exit", stop);
    child.once("exit", () => process.off("exit", stop));
    const log: string[] = [];
    const file = opts.logFile ? createWriteStream(opts.logFile) : undefined;
    const keep = (d: Buffer) => {
      log.push(d.toString("utf8"));
      if (log.length > 200) log.shift();
      file?.write(d);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const started = new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (e: NodeJS.ErrnoException) =>
        reject(e.code === "ENOENT" ? new Error(`moto_server is not on PATH: the playground runs moto's AWS emulator; install it with ${MOTO_INSTALL}`) : e),
      );
    });
    await started;
    const moto = new MotoEmulator(child, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited with status ${child.exitCode}: ${log.join("").slice(-2000)}`);
      try {
        if ((await fetch(`${moto.url}/moto-api/`)).ok) return moto;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        moto.stop();
        throw new Error(`moto_server did not answer on port ${port} within ${opts.timeoutMs ?? 30_000} ms: ${log.join("").slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A Route53 API request as the emulator routes it (by the credential scope's service; the signature is not checked). */
  async route53(method: "GET" | "POST", path: string, body?: string): Promise<string> {
    const res = await fetch(`${this.url}${ROUTE53_API}${path}`, {
      method,
      headers: {
        Authorization: `AWS4-HMAC-SHA256 Credential=${EMULATOR_ACCESS_KEY}/20260101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0`,
        ...(body ? { "Content-Type": "application/xml" } : {}),
      },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`moto ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    return text;
  }

  /** Creates a public hosted zone; returns its id as the emulator issues it (no `/hostedzone/`). */
  async createZone(name: string): Promise<string> {
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="${ROUTE53_NS}"><Name>${name}</Name>` +
      `<CallerReference>dkimctl-${name}-${Date.now()}</CallerReference></CreateHostedZoneRequest>`;
    const [id] = xmlTags(await this.route53("POST", "/hostedzone", body), "Id");
    return id.replace(/^\/hostedzone\//, "");
  }

  /** The end of the server's log (requests and tracebacks), for a failure message. */
  logTail(chars = 4000): string {
    return this.log.join("").slice(-chars);
  }

  /** Resolves when the server has exited. */
  exited(): Promise<void> {
    return this.child.exitCode !== null ? Promise.resolve() : new Promise((r) => this.child.once("exit", () => r()));
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
  }
}
