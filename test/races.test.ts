/**
 * Races and crashes, with the real bin as users run it: several dkimctl runs
 * at once, and runs killed with SIGKILL at random points of their writes.
 * Afterwards lock and store agree, no temp file (a whole private key) is
 * left, and no selector's key ever changed once recorded.
 *
 * DKIMCTL_RACE_TRIALS=N runs more trials (default 3 races, 6 crashes per command).
 */

jest.setTimeout(600_000);
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { dkimctl, ROOT, tempProject } from "./support/project";
import { snapshotTree } from "./support/tree";

const TRIALS = Number(process.env.DKIMCTL_RACE_TRIALS ?? 0);
// A lock left by a killed run frees itself after DKIMCTL_LOCK_STALE seconds (20 by default).
const ENV = { ...process.env, DKIMCTL_LOCK_STALE: "2" };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Starts the real bin; `killWhen` is polled and SIGKILLs the run when it returns true. */
function bin(args: string[], killWhen?: () => boolean): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "dkimctl.js"), ...args], { cwd: ROOT, env: ENV });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const poll = killWhen && setInterval(() => killWhen() && child.kill("SIGKILL"), 1);
    child.on("close", (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, out, err });
    });
  });
}

function project(domains: number, selectors: (d: number) => string): ReturnType<typeof tempProject> {
  const lines = ["version: 1", "zones:", "  example.com: { provider: route53 }", "domains:"];
  for (let d = 0; d < domains; d++) lines.push(`  d${d}.example.com:`, selectors(d));
  return tempProject(lines.join("\n") + "\n");
}

const manySelectors = (n: number, key: string) => () => `    selectors:\n${Array.from({ length: n }, (_, i) => `      s${i}: { key: ${key} }`).join("\n")}`;
const rotated = () => "    rotation: { keys: [rsa-2048, ed25519] }";

type Locked = Record<string, Record<string, { fingerprint: string; publicKey: string }>>;
const lockKeys = (file: string): Locked => (existsSync(file) ? (parse(readFileSync(file, "utf8"))?.keys ?? {}) : {});

/** Store files by `domain/selector.pem` with their content; temp files separately. */
function storeFiles(dir: string): { keys: Record<string, string>; temps: string[] } {
  const keys: Record<string, string> = {};
  const temps: string[] = [];
  for (const [rel, what] of Object.entries(existsSync(dir) ? snapshotTree(dir) : {})) {
    if (rel.endsWith(".tmp")) temps.push(rel);
    else if (rel.endsWith(".pem")) keys[rel] = what;
  }
  return { keys, temps };
}

/** How many files are in the store now (polled while a run writes: entries come and go). */
function filesUnder(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true }).length;
  } catch {
    return 0;
  }
}

/** Everything that must hold once a run completed, whatever happened before. */
async function expectConsistent(p: ReturnType<typeof tempProject>) {
  const v = await dkimctl("validate", "--config", p.config);
  expect(v.err).toBe("");
  expect(v.code).toBe(0);
  const { keys, temps } = storeFiles(p.store);
  expect(temps).toEqual([]);
  const locked = lockKeys(p.lock);
  const lockedNames = Object.entries(locked).flatMap(([d, sels]) => Object.keys(sels).map((s) => `${d}/${s}.pem`));
  expect(Object.keys(keys).sort()).toEqual(lockedNames.sort());
  expect(existsSync(join(p.dir, ".dkimctl.lock"))).toBe(false);
}

test("runs at once take turns: every selector gets one key, and lock and store agree", async () => {
  for (let trial = 0; trial < (TRIALS || 3); trial++) {
    const p = project(10, (d) => (d < 8 ? manySelectors(30, "ed25519")() : rotated()));
    const runs = await Promise.all([
      bin(["keys", "--config", p.config]),
      bin(["keys", "--config", p.config]),
      bin(["rotate", "--config", p.config, "--now", "2026-01-01T00:00:00Z"]),
      bin(["keys", "--config", p.config]),
    ]);
    for (const r of runs) expect([r.code, r.err.replace(/^another dkimctl run is changing this project.*\n/m, "")]).toEqual([0, ""]);
    // Each selector's key was made once, by one run, and is the one the lock holds.
    const made = runs.flatMap((r) => [...r.out.matchAll(/^(generated|recovered) \S+ key for (\S+)\/(\S+) \((sha256:[0-9a-f]+)\)$/gm)]);
    expect(made.filter((m) => m[1] === "generated")).toHaveLength(240);
    const locked = lockKeys(p.lock);
    for (const [, , domain, selector, fp] of made) expect(locked[domain][selector].fingerprint).toBe(fp);
    expect(Object.values(locked).reduce((n, sels) => n + Object.keys(sels).length, 0)).toBe(244);
    await expectConsistent(p);
  }
});

/**
 * Kills `args` at a random point (after a random number of store files
 * appeared, or a random delay), then runs it again to completion.
 */
async function crashTrials(make: () => ReturnType<typeof tempProject>, args: string[], total: number, numRuns: number) {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.record({ files: fc.integer({ min: 0, max: total }) }), fc.record({ ms: fc.integer({ min: 0, max: 4000 }) })), async (when) => {
      const p = make();
      const started = Date.now();
      const killWhen = "files" in when ? () => filesUnder(p.store) > when.files : () => Date.now() - started >= when.ms;
      const killed = await bin([...args, "--config", p.config], killWhen);
      const lockAfterKill = lockKeys(p.lock);
      const storeAfterKill = storeFiles(p.store).keys;
      const rerun = await bin([...args, "--config", p.config]);
      expect([rerun.code, rerun.err.replace(/^another dkimctl run is changing this project.*\n/m, "")]).toEqual([0, ""]);
      await expectConsistent(p);
      // Nothing recorded before the kill changed afterwards.
      const lockNow = lockKeys(p.lock);
      for (const [d, sels] of Object.entries(lockAfterKill)) for (const [s, e] of Object.entries(sels)) expect(lockNow[d][s].publicKey).toBe(e.publicKey);
      const storeNow = storeFiles(p.store).keys;
      for (const [rel, content] of Object.entries(storeAfterKill)) expect(storeNow[rel]).toBe(content);
      return killed.signal === "SIGKILL" || killed.code === 0;
    }),
    { numRuns },
  );
}

test("keys killed at random points: the rerun completes, and no recorded key changes", async () => {
  await crashTrials(() => project(3, (d) => manySelectors(10, d === 0 ? "rsa-2048" : "ed25519")()), ["keys"], 30, TRIALS || 6);
});

test("rotate killed at random points: the rerun completes, and no recorded key changes", async () => {
  await crashTrials(() => project(10, rotated), ["rotate", "--now", "2026-01-01T00:00:00Z"], 20, TRIALS || 6);
});
