/**
 * A real rspamd (Debian's package) signing mail for a test: started in the
 * foreground with its local configuration in a temp directory, its normal
 * worker on a free loopback port, and nothing else running.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join } from "node:path";
import { tempDir } from "./project";

/** Fails the test with how to install rspamd, rather than skipping it. */
export function requireRspamd(): void {
  const r = spawnSync("rspamd", ["--version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("rspamd is not installed: apt-get install rspamd (.ci/run does)");
}

/** rspamd's configuration with `localConfig` (file name -> text) as its local.d, and variables pointing into a temp dir. */
export function rspamdVars(localConfig: Record<string, string>): { dir: string; vars: string[] } {
  const dir = tempDir("dkimctl-rspamd-");
  for (const sub of ["local.d", "override.d", "db", "run", "log"]) mkdirSync(join(dir, sub));
  for (const [name, text] of Object.entries(localConfig)) writeFileSync(join(dir, "local.d", name), text);
  // Only the normal worker: no controller, proxy or fuzzy storage.
  for (const w of ["worker-controller.inc", "worker-proxy.inc", "worker-fuzzy.inc"]) writeFileSync(join(dir, "override.d", w), "enabled = false;\n");
  writeFileSync(join(dir, "local.d", "logging.inc"), 'type = "console";\nlevel = "error";\n');
  // No hyperscan: compiling its databases into a fresh DBDIR made the first start take over 30 s on a busy machine.
  writeFileSync(join(dir, "local.d", "options.inc"), "disable_hyperscan = true;\n");
  return { dir, vars: ["LOCAL_CONFDIR", "DBDIR", "RUNDIR", "LOGDIR"].map((v, i) => `--var=${v}=${i === 0 ? dir : join(dir, ["", "db", "run", "log"][i])}`) };
}

/** `rspamadm configtest` of that configuration: its exit status and output. */
export function configtest(vars: string[]): { ok: boolean; output: string } {
  const r = spawnSync("rspamadm", [...vars, "configtest"], { encoding: "utf8" });
  return { ok: r.status === 0 && /syntax OK/.test(r.stdout), output: `${r.stdout}${r.stderr}` };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.connect(port, "127.0.0.1");
  });
}

export interface Rspamd {
  /** Has rspamd scan `message` as an authenticated user and returns the message with the headers it adds (DKIM-Signature among them). */
  sign(message: string): string;
  stop(): Promise<void>;
}

export async function startRspamd(localConfig: Record<string, string>): Promise<Rspamd> {
  const port = await freePort();
  const { vars } = rspamdVars({ ...localConfig, "worker-normal.inc": `bind_socket = "127.0.0.1:${port}";\ncount = 1;\n` });
  const child: ChildProcess = spawn("rspamd", ["-f", "-u", "root", "-g", "root", ...vars, "-c", "/etc/rspamd/rspamd.conf"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 120_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`rspamd did not start: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    sign(message) {
      const r = spawnSync("rspamc", ["-h", `127.0.0.1:${port}`, "-i", "127.0.0.1", "-u", "sender", "--mime"], { input: message, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`rspamc failed: ${r.stderr}`);
      return r.stdout;
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
