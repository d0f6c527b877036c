/**
 * One input check for every command (issue 21): whatever `validate` refuses
 * in domains.yaml and dkim.lock.yaml, every command that reads them refuses
 * the same way (the same FILE:LINE:COL lines, exit 1), before it writes
 * anything. Each bad input below is a kind of problem the suite covers
 * (YAML, shape, cross-field rules, the lock, config and lock together); each
 * runs through every command and the cdktf app (in-process, as main.ts runs
 * it); the compiled app, started as `cdktf synth` starts it, refuses one of
 * them the same way.
 */
import { generateKeyPairSync } from "node:crypto";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Lock } from "../src/keys/lock";
import { dkimctl, synthApp, tempDir } from "./support/project";
import { keyedProject } from "./support/keyed-project";
import { synthInProcess } from "./support/synth";
import { snapshotTree } from "./support/tree";

const GOOD = `version: 1
defaults: { key: ed25519 }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      s1: {}
  news.example.com:
    rotation: { every: 10d, publishAhead: 1d, retireAfter: 1d, revokeFor: 1d }
`;

/** A PEM literal in a source file would trip test/secrets.test.ts: made here. */
const pastedKey = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string);

/** Each bad input: what it is, and how it changes a good, keyed project's domains.yaml and lock. */
const BAD: [what: string, config: (good: string) => string, lock?: (lock: string) => string][] = [
  ["a YAML syntax error", (c) => c.replace("s1: {}", "s1: { key: ed25519")],
  ["an unknown field", (c) => c.replace("s1: {}", "s1: { ttll: 300 }")],
  ["a zone id of the wrong shape", (c) => c.replace("zoneId: Z0123456789ABCDEFGHIJ", "zoneId: z-not-an-id")],
  ["a TTL Cloudflare does not take", (c) => `${c}  example.org:\n    selectors:\n      s2: { ttl: 5 }\n`],
  ["a domain under no zone", (c) => `${c}  example.net:\n    selectors:\n      s3: {}\n`],
  ["a pasted private key", (c) => c.replace("s1: {}", `s1: { txt: ${pastedKey} }`)],
  ["a lock entry with a truncated time", (c) => c, (l) => l.replace(/created: (\d{4}-\d\d-\d\d)T[^\n]*/, "created: $1T00")],
  ["a selector whose key in the lock has another algorithm", (c) => c.replace("s1: {}", "s1: { key: rsa-2048 }")],
  [
    "a provided selector that has a key in the lock",
    (c) => c.replace("s1: {}", "s1: { txt: 'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }"),
  ],
  // Item 4 of the issue: after rotation removed e202701a, domains.yaml declares it again.
  ["a hand-written selector taking a rotated-out selector's name", (c) => `${c}    selectors:\n      e202701a: { key: ed25519 }\n`],
  ["a customer that is also a sender domain", (c) => `${c}customers:\n  example.org:\n    domains:\n      news.example.com:\n`],
];

/** Every command that reads the project, with the arguments it needs to get as far as reading it. */
function commands(outside: string): [name: string, args: string[]][] {
  const keyFile = join(outside, "key.pem");
  writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  const plan = join(outside, "plan.json");
  writeFileSync(plan, JSON.stringify({ format_version: "1.2", resource_changes: [] }));
  return [
    ["validate", []],
    ["keys", []],
    ["keys import", ["--domain", "example.com", "--selector", "s9", "--key", keyFile]],
    ["keys migrate", ["--to", `{ local: { dir: ${join(outside, "migrated")} } }`]],
    ["keys prune", ["--older-than", "30d"]],
    ["keys rewrap", []],
    ["rotate", ["--now", "2027-02-01T00:00:00Z"]],
    ["records", []],
    ["instructions", ["--all"]],
    ["stacks", []],
    ["export", ["--format", "pem", "--out", join(outside, "export")]],
    ["check-plan", [plan]],
    ["verify", ["--resolver", "127.0.0.1:9"]],
  ];
}

/** A keyed project whose rotated domain has a removed key e202701a and an active e202701b. */
async function rotatedProject() {
  const p = await keyedProject(GOOD);
  for (const day of ["01", "02", "11", "12", "13", "14"]) {
    const r = await dkimctl("rotate", "--now", `2027-01-${day}T00:00:00Z`, "--config", p.config);
    if (r.code !== 0) throw new Error(`rotate failed: ${r.err}`);
  }
  expect(Lock.read(p.lock).get("news.example.com", "e202701a")?.state).toBe("removed");
  return p;
}

/** The rotated project is made once: each bad input breaks its own copy (the key store's path is relative, so a copy is whole). */
let rotated: Awaited<ReturnType<typeof rotatedProject>>;
beforeAll(async () => {
  rotated = await rotatedProject();
});
function copyOfRotated() {
  const dir = tempDir();
  cpSync(rotated.dir, dir, { recursive: true });
  return { dir, config: join(dir, "domains.yaml"), lock: join(dir, "dkim.lock.yaml") };
}

/** The problem lines of a run's stderr: those naming a file of the project. */
const problemLines = (err: string, dir: string) => err.split("\n").filter((l) => l.startsWith(dir));

describe.each(BAD)("%s", (_what, breakConfig, breakLock) => {
  test("is refused by every command with validate's problems, and nothing is written", async () => {
    const p = copyOfRotated();
    writeFileSync(p.config, breakConfig(readFileSync(p.config, "utf8")));
    if (breakLock) writeFileSync(p.lock, breakLock(readFileSync(p.lock, "utf8")));
    const before = snapshotTree(p.dir);
    const outside = tempDir();

    const validate = await dkimctl("validate", "--config", p.config);
    expect(validate.code).toBe(1);
    const expected = problemLines(validate.err, p.dir);
    expect(expected.length).toBeGreaterThan(0);

    const runs: Record<string, unknown> = {};
    for (const [name, args] of commands(outside)) {
      const r = await dkimctl(...name.split(" "), ...args, "--config", p.config);
      runs[name] = { code: r.code, out: r.out, problems: problemLines(r.err, p.dir) };
    }
    const synth = synthInProcess(p.config, join(outside, "cdktf.out"));
    runs.synth = { code: synth.code, out: synth.out, problems: problemLines(synth.err, p.dir) };
    // The compiled app as `cdktf synth` starts it (a node process of its own), for the first bad input: the same.
    if (breakConfig === BAD[0][1]) {
      const compiled = synthApp(p.config, join(outside, "cdktf.out"));
      runs["compiled app"] = { code: compiled.code, out: compiled.out, problems: problemLines(compiled.err, p.dir) };
    }

    const same = { code: 1, out: "", problems: expected };
    expect(runs).toEqual(Object.fromEntries(Object.keys(runs).map((name) => [name, same])));
    expect(snapshotTree(p.dir)).toEqual(before);
    expect(["export", "migrated", "cdktf.out"].filter((d) => existsSync(join(outside, d)))).toEqual([]);
  });
});
