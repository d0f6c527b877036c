/**
 * The promises about keys, each tried the way a hostile user or a bad day
 * would break it: bad input writes nothing, a selector never gets a second
 * key, lock and store agree, the store refuses to be unsafe, time never runs
 * backwards in the lock, and exports never leave a stale key behind.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { fingerprint, publicKeyValue } from "../src/dkim/keys";
import { LocalKeyStore } from "../src/keys/store";
import { dkimctl as runInProcess, tempDir, tempProject as newProject } from "./support/project";
import { findSecrets } from "./support/secrets";
import { TWO_SELECTORS } from "./support/keyed-project";
import { snapshotTree } from "./support/tree";

/** Every run's output and every project, for the leak check at the end. */
const said: string[] = [];
const projects: string[] = [];
async function dkimctl(...argv: string[]) {
  const r = await runInProcess(...argv);
  said.push(r.out, r.err);
  return r;
}
function tempProject(text: string) {
  const p = newProject(text);
  projects.push(p.dir);
  return p;
}

/** The base project P. */
const P = TWO_SELECTORS;

async function projectP() {
  const p = tempProject(P);
  const r = await dkimctl("keys", "--config", p.config);
  expect(r.code).toBe(0);
  return p;
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe("bad input writes nothing", () => {
  test("a run with one bad selector generates no key for the good ones (#1)", async () => {
    const p = await projectP();
    writeFileSync(p.config, P.replace("      e1: {}\n", "      e1: { key: rsa-2048 }\n      n1: {}\n"));
    const before = snapshotTree(p.dir);
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    // The input check every command shares (validate's message, at the selector's line).
    expect(r.err).toMatch(/:9:7: domains\/example.com\/selectors\/e1: has a ed25519 key in \S+ but domains.yaml asks for rsa-2048/);
    expect(r.err).toMatch(/nothing was changed/);
    expect(existsSync(join(p.store, "example.com", "n1.pem"))).toBe(false);
    expect(snapshotTree(p.dir)).toEqual(before);
  });

  test("time never runs backwards in the lock; impossible dates are usage errors (#8)", async () => {
    const p = tempProject(P.replace("    selectors:\n      s1: {}\n      e1: {}\n", "    rotation: { every: 10d, publishAhead: 1d }\n"));
    for (const t of ["2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"]) expect((await dkimctl("rotate", "--config", p.config, "--now", t)).code).toBe(0);
    const before = snapshotTree(p.dir);
    const back = await dkimctl("rotate", "--config", p.config, "--now", "2025-06-01T00:00:00Z", "--force");
    expect(back.code).toBe(1);
    expect(back.err).toMatch(/the lock records a rotation at 2026-01-03T00:00:00Z, later than the time of this run \(2025-06-01T00:00:00Z\)/);
    expect(snapshotTree(p.dir)).toEqual(before);
    expect((await dkimctl("rotate", "--config", p.config, "--now", "2025-06-05T00:00:00Z")).code).toBe(1);
    expect((await dkimctl("records", "--config", p.config)).code).toBe(0);
    for (const bad of ["2026-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "2026-11", "2026-01-01T24:00:00Z"]) {
      const r = await dkimctl("rotate", "--config", p.config, "--now", bad);
      expect([bad, r.code]).toEqual([bad, 2]);
      expect(r.err).toMatch(/--now must be a real ISO 8601 time/);
    }
    expect(snapshotTree(p.dir)).toEqual(before);
    expect((await dkimctl("rotate", "--config", p.config, "--now", "2026-01-03T00:00:00Z")).code).toBe(0);
  });

  test("rotate --domain takes names as they are written, IDN included, like every other command", async () => {
    const p = tempProject(`version: 1
zones:
  bücher.example: { provider: route53 }
domains:
  bücher.example: { rotation: { keys: [ed25519] } }
`);
    const r = await dkimctl("rotate", "--config", p.config, "--domain", "BÜCHER.example.", "--now", "2026-01-01T00:00:00Z");
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^xn--bcher-kva\.example: e202601a \(ed25519\) new -> pending/);
    const bad = await dkimctl("rotate", "--config", p.config, "--domain", "1.5");
    expect(bad.code).toBe(2);
  });
});

describe("lock and store agree", () => {
  test("validate reports a lock entry whose key is not the store's, even with a recomputed fingerprint (#5)", async () => {
    const p = await projectP();
    const other = publicKeyValue(generateKeyPairSync("ed25519").publicKey);
    const doc = parse(readFileSync(p.lock, "utf8"));
    Object.assign(doc.keys["example.com"].e1, { publicKey: other, fingerprint: fingerprint(other) });
    writeFileSync(p.lock, stringify(doc));
    const r = await dkimctl("validate", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/example.com\/e1: the private key in .* does not match .*dkim.lock.yaml/);
    expect(r.out).toBe("");
  });

  test("one key under two selectors is refused", async () => {
    const p = await projectP();
    const doc = parse(readFileSync(p.lock, "utf8"));
    doc.keys["example.com"].s1 = { ...doc.keys["example.com"].e1 };
    writeFileSync(p.lock, stringify(doc));
    copyFileSync(join(p.store, "example.com", "e1.pem"), join(p.store, "example.com", "s1.pem"));
    for (const cmd of ["validate", "keys"]) {
      const r = await dkimctl(cmd, "--config", p.config);
      expect([cmd, r.code]).toEqual([cmd, 1]);
      expect(r.err).toMatch(/example.com\/e1 and example.com\/s1 have the same key/);
    }
  });

  test("the store never replaces a key: of two writers for one selector, exactly one wins", async () => {
    const store = new LocalKeyStore(join(tempDir(), "keys"));
    const [a, b] = ["a", "b"].map(() => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const results = await Promise.all([store.create("example.com", "s1", a), store.create("example.com", "s1", b)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await store.create("example.com", "s1", b)).toBe(false);
    expect([a, b]).toContain(await store.get("example.com", "s1"));
  });
});

describe("a key store that is not safe is refused, with what to do", () => {
  test("a store directory open to others", async () => {
    const p = await projectP();
    chmodSync(join(p.store, "example.com"), 0o777);
    const before = snapshotTree(p.dir);
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(p.store, "example.com")} (mode 777) is open to other users`);
    expect(r.err).toContain(`chmod 700 ${join(p.store, "example.com")}`);
    expect(snapshotTree(p.dir)).toEqual(before);
    expect((await dkimctl("validate", "--config", p.config)).code).toBe(1);
    expect((await dkimctl("export", "--format", "pem", "--out", join(tempDir(), "x"), "--config", p.config)).code).toBe(1);
  });

  test("a store that is a link to a directory others can read", async () => {
    const p = tempProject(P);
    const target = join(tempDir(), "shared-keys");
    mkdirSync(target, { mode: 0o755 });
    chmodSync(target, 0o755);
    mkdirSync(join(p.dir, ".dkim"));
    symlinkSync(target, p.store);
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain("(a link to a directory with mode 755) is open to other users");
    expect(readdirSync(target)).toEqual([]);
  });

  test("a key file that is a link is never followed, and no chmod is suggested for it", async () => {
    const p = await projectP();
    const elsewhere = join(tempDir(), "e1.pem");
    copyFileSync(join(p.store, "example.com", "e1.pem"), elsewhere);
    chmodSync(elsewhere, 0o644);
    const link = join(p.store, "example.com", "e1.pem");
    spawnSync("rm", [link]);
    symlinkSync(elsewhere, link);
    for (const args of [["keys"], ["validate"], ["export", "--format", "pem", "--out", join(tempDir(), "x")]]) {
      const r = await dkimctl(...args, "--config", p.config);
      expect([args[0], r.code]).toEqual([args[0], 1]);
      expect(r.err).toContain(`${link} is a symbolic link`);
      expect(r.err).not.toMatch(/chmod/);
    }
    expect(mode(elsewhere)).toBe(0o644);
  });

  test("DKIMCTL_KEY_STORE naming a file, or a directory whose parent is missing, is an error, not a warning", async () => {
    const p = tempProject(P);
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "x");
    for (const store of [file, join(tempDir(), "missing", "keys")]) {
      process.env.DKIMCTL_KEY_STORE = store;
      try {
        const r = await dkimctl("keys", "--config", p.config);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^error: the key store .* (is not a directory|is in a directory that does not exist)/);
      } finally {
        delete process.env.DKIMCTL_KEY_STORE;
      }
    }
    expect(existsSync(p.lock)).toBe(false);
  });

  test("temp files left by a killed run (a whole private key each) are removed by the next run", async () => {
    const p = await projectP();
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const orphan = join(p.store, "example.com", `.n1.pem.${dead}.0123456789ab.tmp`);
    writeFileSync(orphan, readFileSync(join(p.store, "example.com", "e1.pem")), { mode: 0o600 });
    const live = join(p.store, "example.com", `.n2.pem.${process.pid}.0123456789ab.tmp`);
    writeFileSync(live, "a write in progress", { mode: 0o600 });
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(live)).toBe(true); // its writer is alive: not ours to remove
  });
});

describe("export leaves exactly the keys it wrote", () => {
  test("a directory with files dkimctl did not write is refused, or cleaned with --force; it ends 0700", async () => {
    const p = await projectP();
    const out = tempDir();
    chmodSync(out, 0o755);
    writeFileSync(join(out, "old.pem"), "stale", { mode: 0o644 });
    const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds files dkimctl did not write \(old.pem\): export into an empty or new directory, or add --force/);
    expect(readdirSync(out)).toEqual(["old.pem"]);
    const forced = await dkimctl("export", "--format", "pem", "--out", out, "--force", "--config", p.config);
    expect(forced.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([".dkimctl-export", "example.com"]);
    expect(mode(out)).toBe(0o700);
  });

  test("a second export removes the key of a selector that left domains.yaml", async () => {
    const p = await projectP();
    const out = join(tempDir(), "export");
    expect((await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config)).code).toBe(0);
    expect(readdirSync(join(out, "example.com")).sort()).toEqual(["e1.pem", "s1.pem"]);
    writeFileSync(p.config, P.replace("      e1: {}\n", ""));
    expect((await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config)).code).toBe(0);
    expect(readdirSync(join(out, "example.com"))).toEqual(["s1.pem"]);
  });

  test("--out naming a file, or the project itself, is a clear error", async () => {
    const p = await projectP();
    const file = join(tempDir(), "file");
    writeFileSync(file, "x");
    const r = await dkimctl("export", "--format", "pem", "--out", file, "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: --out .* is not a directory/);
    const proj = await dkimctl("export", "--format", "pem", "--out", p.dir, "--force", "--config", p.config);
    expect(proj.code).toBe(1);
    expect(proj.err).toMatch(/holds .*domains.yaml: export into a directory of its own/);
    expect(existsSync(p.config)).toBe(true);
  });
});

test("no run above, on any of its success or error paths, printed private key material", () => {
  const pems = projects.flatMap((dir) =>
    (readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
      .filter((f) => f.endsWith(".pem") && !f.includes(".."))
      .map((f) => readFileSync(join(dir, f), "utf8")),
  );
  expect(pems.length).toBeGreaterThan(10);
  expect(said.length).toBeGreaterThan(60);
  expect(findSecrets(said.join("\n"), pems)).toEqual([]);
});
