/**
 * Races and crashes, with the real bin as users run it, against every key
 * store: several dkimctl runs at once, and runs killed with SIGKILL at random
 * points of their writes. Afterwards lock and store agree (an export of every
 * key succeeds), no temp file (a whole private key) is left, and no
 * selector's key ever changed once recorded.
 *
 * DKIMCTL_RACE_TRIALS=N runs more trials (default: 3 races and 6 crashes per
 * command for the local store, 1 race and 3 crashes for the others).
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { MotoServer } from "./support/moto";
import { ROOT, tempDir, tempProject } from "./support/project";
import { snapshotTree } from "./support/tree";

jest.setTimeout(900_000);

const TRIALS = Number(process.env.DKIMCTL_RACE_TRIALS ?? 0);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** A key store under test: how domains.yaml names it, where its files are (if any), and the environment runs need. */
interface StoreCase {
  readonly name: string;
  /** The `keyStore:` line for a project in `dir`. */
  keyStore(dir: string): string;
  /** The store's directory in a project, for temp files and the kill trigger; undefined for a remote store. */
  dir(p: Project): string | undefined;
  /** Extra environment: identities, endpoints. */
  env(): Record<string, string>;
  readonly remote: boolean;
  readonly races: number;
  readonly crashes: number;
}

type Project = ReturnType<typeof tempProject>;

let moto: MotoServer;
let age: { file: string; recipient: string };
let prefix = 0;

const STORES: StoreCase[] = [
  { name: "local", keyStore: () => "", dir: (p) => p.store, env: () => ({}), remote: false, races: 3, crashes: 6 },
  {
    name: "age",
    keyStore: () => `keyStore: { age: { dir: dkim-keys, recipients: [${age.recipient}] } }\n`,
    dir: (p) => join(p.dir, "dkim-keys"),
    env: () => ({ DKIMCTL_AGE_IDENTITY_FILE: age.file }),
    remote: false,
    races: 1,
    crashes: 3,
  },
  {
    name: "awsSecretsManager",
    // Each project its own prefix, so projects never share secrets.
    keyStore: () => `keyStore: { awsSecretsManager: { region: us-east-1, project: race-tests, prefix: race${++prefix}/ } }\n`,
    dir: () => undefined,
    env: () => ({ ...moto.env(), AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url }),
    remote: true,
    races: 1,
    crashes: 3,
  },
];

beforeAll(async () => {
  moto = await MotoServer.start();
  const file = join(tempDir("dkimctl-age-id-"), "key.txt");
  expect(spawnSync("age-keygen", ["-o", file]).status).toBe(0);
  age = { file, recipient: spawnSync("age-keygen", ["-y", file], { encoding: "utf8" }).stdout.trim() };
});
afterAll(() => moto?.stop());

/** Starts the real bin; `killWhen` is polled and SIGKILLs the run when it returns true. */
function bin(store: StoreCase, args: string[], killWhen?: () => boolean): Promise<Run> {
  // A lock left by a killed run frees itself after DKIMCTL_LOCK_STALE seconds (20 by default).
  const env = { ...process.env, ...store.env(), DKIMCTL_LOCK_STALE: "2" };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "dkimctl.js"), ...args], { cwd: ROOT, env });
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

function project(store: StoreCase, domains: number, selectors: (d: number) => string): Project {
  const lines = ["version: 1", "zones:", "  example.com: { provider: route53 }", "domains:"];
  for (let d = 0; d < domains; d++) lines.push(`  d${d}.example.com:`, selectors(d));
  const p = tempProject(`${lines.join("\n")}\n`);
  appendFileSync(p.config, store.keyStore(p.dir));
  return p;
}

const manySelectors = (n: number, key: string) => () => `    selectors:\n${Array.from({ length: n }, (_, i) => `      s${i}: { key: ${key} }`).join("\n")}`;
const rotated = () => "    rotation: { keys: [rsa-2048, ed25519] }";

type Locked = Record<string, Record<string, { fingerprint: string; publicKey: string }>>;
const lockKeys = (file: string): Locked => (existsSync(file) ? (parse(readFileSync(file, "utf8"))?.keys ?? {}) : {});

/** Store files (keys and their public halves) with their content; temp files separately. */
function storeFiles(dir: string | undefined): { keys: Record<string, string>; temps: string[] } {
  const keys: Record<string, string> = {};
  const temps: string[] = [];
  if (dir === undefined || !existsSync(dir)) return { keys, temps };
  for (const [rel, what] of Object.entries(snapshotTree(dir))) {
    if (rel.endsWith(".tmp")) temps.push(rel);
    else if (!what.startsWith("dir ")) keys[rel] = what;
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

const withoutWaiting = (err: string) => err.replace(/^another dkimctl run is changing this project.*\n/m, "");

/** Everything that must hold once a run completed, whatever happened before: every key the lock names can be exported, and matches. */
async function expectConsistent(store: StoreCase, p: Project) {
  const out = join(tempDir(), "export");
  const e = await bin(store, ["export", "--format", "json", "--out", out, "--config", p.config]);
  // export says which config and key store it read, and nothing else.
  expect([e.code, e.err.replace(/^config: \S+ · keys: \w+ .*\n/, "")]).toEqual([0, ""]);
  const exported = JSON.parse(readFileSync(join(out, "keys.json"), "utf8")) as { domain: string; selector: string; fingerprint: string }[];
  const locked = lockKeys(p.lock);
  for (const k of exported) expect(locked[k.domain][k.selector].fingerprint).toBe(k.fingerprint);
  expect(storeFiles(store.dir(p)).temps).toEqual([]);
  expect(existsSync(join(p.dir, ".dkimctl.lock"))).toBe(false);
}

describe.each(STORES)("$name store", (store) => {
  test("runs at once take turns: every selector gets one key, and lock and store agree", async () => {
    for (let trial = 0; trial < (TRIALS || store.races); trial++) {
      const p = project(store, 10, (d) => (d < 8 ? manySelectors(30, "ed25519")() : rotated()));
      const runs = await Promise.all([
        bin(store, ["keys", "--quiet", "--config", p.config]),
        bin(store, ["keys", "--quiet", "--config", p.config]),
        bin(store, ["rotate", "--quiet", "--config", p.config, "--now", "2026-01-01T00:00:00Z"]),
        bin(store, ["keys", "--quiet", "--config", p.config]),
      ]);
      for (const r of runs) expect([r.code, withoutWaiting(r.err)]).toEqual([0, ""]);
      // Each selector's key was made once, by one run, and is the one the lock holds.
      const made = runs.flatMap((r) => [...r.out.matchAll(/^(generated|recovered) \S+ key for (\S+)\/(\S+) \((sha256:[0-9a-f]+)\)$/gm)]);
      expect(made.filter((m) => m[1] === "generated")).toHaveLength(240);
      const locked = lockKeys(p.lock);
      for (const [, , domain, selector, fp] of made) expect(locked[domain][selector].fingerprint).toBe(fp);
      expect(Object.values(locked).reduce((n, sels) => n + Object.keys(sels).length, 0)).toBe(244);
      await expectConsistent(store, p);
    }
  });

  /**
   * Kills `args` at a random point (after a random number of store files
   * appeared, or a random delay), then runs it again to completion.
   */
  async function crashTrials(make: () => Project, args: string[], total: number) {
    // A remote store has no files to watch: kill after a random delay only.
    const delay = fc.record({ ms: fc.integer({ min: 0, max: 4000 }) });
    const points = store.remote ? delay : fc.oneof(fc.record({ files: fc.integer({ min: 0, max: total }) }), delay);
    await fc.assert(
      fc.asyncProperty(points, async (when) => {
        const p = make();
        const started = Date.now();
        const dir = store.dir(p);
        const killWhen = "files" in when && dir !== undefined ? () => filesUnder(dir) > when.files : () => Date.now() - started >= (when as { ms: number }).ms;
        const killed = await bin(store, [...args, "--config", p.config], killWhen);
        const lockAfterKill = lockKeys(p.lock);
        const storeAfterKill = storeFiles(dir).keys;
        const rerun = await bin(store, [...args, "--config", p.config]);
        expect([rerun.code, withoutWaiting(rerun.err)]).toEqual([0, ""]);
        await expectConsistent(store, p);
        // Nothing recorded before the kill changed afterwards.
        const lockNow = lockKeys(p.lock);
        for (const [d, sels] of Object.entries(lockAfterKill)) for (const [s, e] of Object.entries(sels)) expect(lockNow[d][s].publicKey).toBe(e.publicKey);
        const storeNow = storeFiles(dir).keys;
        for (const [rel, content] of Object.entries(storeAfterKill)) expect(storeNow[rel]).toBe(content);
        return killed.signal === "SIGKILL" || killed.code === 0;
      }),
      { numRuns: TRIALS || store.crashes },
    );
  }

  test("keys killed at random points: the rerun completes, and no recorded key changes", async () => {
    await crashTrials(() => project(store, 3, (d) => manySelectors(10, d === 0 ? "rsa-2048" : "ed25519")()), ["keys", "--quiet"], 30);
  });

  test("rotate killed at random points: the rerun completes, and no recorded key changes", async () => {
    await crashTrials(() => project(store, 10, rotated), ["rotate", "--quiet", "--now", "2026-01-01T00:00:00Z"], 20);
  });
});
