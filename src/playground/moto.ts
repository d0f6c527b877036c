/**
 * moto's AWS emulator (`moto_server`, pip moto[server]): AWS services in
 * memory on a local port, no account and no Docker
 * (https://docs.getmoto.org/en/latest/docs/server_mode.html). What a DNS
 * provider's API needs from it (creating a zone, the endpoints to set) is the
 * provider's `playground` capability (src/providers/).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

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

export interface MotoOptions {
  /** @default a free port */
  readonly port?: number;
  /** Where the server's log goes, besides the tail kept for messages. */
  readonly logFile?: string;
  /** @default 120 s: moto_server's Python start-up took 16 s on a loaded 2-core machine; the limit only ends a start that failed */
  readonly timeoutMs?: number;
  /** In a process group of its own, so that Ctrl-C in a shell run beside it does not stop it (the caller must stop it). */
  readonly detached?: boolean;
}

export class MotoEmulator {
  private constructor(
    private readonly child: ChildProcess,
    /** http://127.0.0.1:PORT */
    readonly url: string,
    private readonly log: string[],
  ) {}

  /**
   * Starts `moto_server` on 127.0.0.1 and waits until it answers. Throws an
   * Error saying what to install when moto_server is not on PATH. It is
   * stopped when this process exits normally.
   */
  static async start(opts: MotoOptions = {}): Promise<MotoEmulator> {
    const port = opts.port ?? (await freePort());
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"], detached: opts.detached === true });
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
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (e: NodeJS.ErrnoException) =>
        reject(e.code === "ENOENT" ? new Error(`moto_server is not on PATH: the playground runs moto's AWS emulator; install it with ${MOTO_INSTALL}`) : e),
      );
    });
    const moto = new MotoEmulator(child, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited with status ${child.exitCode}: ${log.join("").slice(-2000)}`);
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
