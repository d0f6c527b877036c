/**
 * The age key store against Debian's `age` (the Go implementation, an
 * independent one): what dkimctl writes, `age -d` decrypts; what `age -r`
 * encrypts, dkimctl reads. `keys` and `rotate` need no secret; `export`
 * needs only DKIMCTL_AGE_IDENTITY; `keys rewrap` changes who can decrypt and
 * no key. Every output and the store itself are scanned for key material.
 */
import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { fingerprint, publicKeyValue } from "../src/dkim/keys";
import { AgeKeyStore } from "../src/keys/age-store";
import { dkimctl as runInProcess, tempDir, tempProject } from "./support/project";
import { findSecrets, scanTree } from "./support/secrets";
import { snapshotTree } from "./support/tree";
import { dkimpyVerify, mailauthVerify, signMessage } from "./support/verifiers";

const IDENTITY_VARS = ["DKIMCTL_AGE_IDENTITY", "DKIMCTL_AGE_IDENTITY_FILE"] as const;
const saved = Object.fromEntries(IDENTITY_VARS.map((v) => [v, process.env[v]]));
beforeAll(() => {
  for (const v of IDENTITY_VARS) delete process.env[v];
});
afterAll(() => {
  for (const v of IDENTITY_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

/** Every run's output and every private key seen, for the leak check at the end. */
const said: string[] = [];
const pems: string[] = [];
const stores: string[] = [];

/** dkimctl in-process with exactly `env`'s identity variables set. */
async function dkimctl(env: Partial<Record<(typeof IDENTITY_VARS)[number], string>>, ...argv: string[]) {
  for (const v of IDENTITY_VARS) env[v] === undefined ? delete process.env[v] : (process.env[v] = env[v]);
  try {
    const r = await runInProcess(...argv);
    said.push(r.out, r.err);
    return r;
  } finally {
    for (const v of IDENTITY_VARS) delete process.env[v];
  }
}

function sh(cmd: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error) throw new Error(`${cmd} is not installed (apt-get install age): ${r.error.message}`);
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A new identity from Debian's age-keygen: the key file (with its comment lines) and its recipient. */
function ageKeygen() {
  const file = join(tempDir("dkimctl-age-id-"), "key.txt");
  expect(sh("age-keygen", ["-o", file]).code).toBe(0);
  return { file, text: readFileSync(file, "utf8"), recipient: sh("age-keygen", ["-y", file]).out.trim() };
}
const alice = ageKeygen();
const bob = ageKeygen();
const mallory = ageKeygen();

const yaml = (recipients: string[], extra = "") => `version: 1
keyStore:
  age:
    dir: dkim-keys
    recipients:
${recipients.map((r) => `      - ${r}`).join("\n")}
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
  example.com:
    selectors:
      s1: { key: rsa-2048 }
      e1: { key: ed25519 }
${extra}`;
const ROTATED = "  rotated.example.com:\n    rotation: { keys: [ed25519], every: 10d, publishAhead: 1d }\n";

function project(recipients: string[], extra = "") {
  const p = tempProject(yaml(recipients, extra));
  const ageDir = join(p.dir, "dkim-keys");
  stores.push(ageDir);
  return { ...p, ageDir, file: (domain: string, sel: string, ext = "pem.age") => join(ageDir, domain, `${sel}.${ext}`) };
}

type Locked = Record<string, Record<string, { fingerprint: string; state?: string }>>;
const lockOf = (file: string): Locked => parse(readFileSync(file, "utf8")).keys;
const fingerprintOf = (pem: string) => fingerprint(publicKeyValue(createPublicKey(createPrivateKey(pem))));

/** Debian's age decrypting a file dkimctl wrote. */
function ageDecrypt(file: string, identityFile: string) {
  const r = sh("age", ["-d", "-i", identityFile, file]);
  if (r.code === 0) pems.push(r.out);
  return r;
}

test("keys and rotate need no identity; Debian's age decrypts every file to the key the lock publishes", async () => {
  const p = project([alice.recipient], ROTATED);
  const keys = await dkimctl({}, "keys", "--config", p.config);
  expect(keys).toMatchObject({ code: 0, err: "" });
  expect(keys.out).toMatch(/generated rsa-2048 key for example.com\/s1/);
  expect(keys.out).toMatch(/generated ed25519 key for example.com\/e1/);
  for (const now of ["2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-12T00:00:00Z"])
    expect(await dkimctl({}, "rotate", "--config", p.config, "--now", now)).toMatchObject({ code: 0, err: "" });
  const lock = lockOf(p.lock);
  expect(Object.keys(lock["rotated.example.com"])).toHaveLength(2);
  for (const [domain, sels] of Object.entries(lock))
    for (const [sel, entry] of Object.entries(sels)) {
      const text = readFileSync(p.file(domain, sel), "utf8");
      expect(text.startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n")).toBe(true);
      const d = ageDecrypt(p.file(domain, sel), alice.file);
      expect({ sel, code: d.code, fp: d.code === 0 ? fingerprintOf(d.out) : d.err }).toEqual({ sel, code: 0, fp: entry.fingerprint });
      expect(sh("age", ["-d", "-i", bob.file, p.file(domain, sel)]).code).not.toBe(0);
    }
  // With nothing to do, the lock is still checked against the store, without a secret.
  expect(await dkimctl({}, "keys", "--config", p.config)).toMatchObject({ code: 0, out: "every generated selector has a key; nothing to do\n", err: "" });
  expect(scanTree(p.dir, pems)).toEqual([]);
});

test("without an identity the lock is still checked against the store: a key swapped in by hand is refused", async () => {
  const p = project([alice.recipient]);
  expect((await dkimctl({}, "keys", "--config", p.config)).code).toBe(0);
  const other = project([alice.recipient]);
  expect((await dkimctl({}, "keys", "--config", other.config)).code).toBe(0);
  for (const ext of ["pem.age", "pub"]) writeFileSync(p.file("example.com", "e1", ext), readFileSync(other.file("example.com", "e1", ext)));
  const before = snapshotTree(p.dir);
  const r = await dkimctl({}, "keys", "--config", p.config);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/example.com\/e1: the private key in .*dkim-keys does not match .*dkim.lock.yaml/);
  expect(snapshotTree(p.dir)).toEqual(before);
  // A public half that lies about its key is caught as soon as the key is read.
  writeFileSync(p.file("example.com", "e1", "pem.age"), readFileSync(other.file("example.com", "s1", "pem.age")));
  writeFileSync(p.file("example.com", "e1", "pub"), readFileSync(other.file("example.com", "e1", "pub")));
  const out = join(tempDir(), "export");
  const e = await dkimctl({ DKIMCTL_AGE_IDENTITY: alice.text }, "export", "--format", "pem", "--out", out, "--config", p.config);
  expect(e.code).toBe(1);
  expect(e.err).toMatch(/e1.pub is not the public half of the key in .*e1.pem.age/);
  expect(existsSync(out)).toBe(false);
});

test("export works with only DKIMCTL_AGE_IDENTITY, and mail signed with the exported keys verifies against the records", async () => {
  const p = project([alice.recipient]);
  expect((await dkimctl({}, "keys", "--config", p.config)).code).toBe(0);
  const out = join(tempDir(), "export");
  // The whole key file as age-keygen wrote it, comment lines included, as a CI secret holds it.
  const r = await dkimctl({ DKIMCTL_AGE_IDENTITY: alice.text }, "export", "--format", "pem", "--out", out, "--config", p.config);
  expect(r).toMatchObject({ code: 0, err: "" });
  const lock = lockOf(p.lock);
  const records = JSON.parse((await dkimctl({}, "records", "--format", "json", "--config", p.config)).out) as {
    name: string;
    type: string;
    strings: string[];
  }[];
  const txt = { txt: Object.fromEntries(records.filter((x) => x.type === "TXT").map((x) => [x.name, [x.strings]])) };
  for (const [selector, algorithm] of [
    ["s1", "rsa"],
    ["e1", "ed25519"],
  ] as const) {
    const pem = readFileSync(join(out, "example.com", `${selector}.pem`), "utf8");
    pems.push(pem);
    expect(fingerprintOf(pem)).toBe(lock["example.com"][selector].fingerprint);
    const signed = await signMessage({ privateKeyPem: pem, domain: "example.com", selector, algorithm });
    for (const verify of [mailauthVerify, dkimpyVerify]) {
      const v = await verify(signed, txt);
      expect({ selector, ok: v.ok, detail: v.detail }).toMatchObject({ selector, ok: true });
    }
  }
  expect(scanTree(p.ageDir, pems)).toEqual([]);
});

describe("reading keys without the right identity: a clear error, nothing written", () => {
  let p: ReturnType<typeof project>;
  let out: string;
  beforeAll(async () => {
    p = project([alice.recipient]);
    expect((await dkimctl({}, "keys", "--config", p.config)).code).toBe(0);
  });
  beforeEach(() => (out = join(tempDir(), "export")));
  const exportWith = (env: Parameters<typeof dkimctl>[0]) => dkimctl(env, "export", "--format", "json", "--out", out, "--config", p.config);

  test("no identity: the error names both variables", async () => {
    const r = await exportWith({});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs an age identity: set DKIMCTL_AGE_IDENTITY to .* or DKIMCTL_AGE_IDENTITY_FILE to a file holding it/);
    expect(existsSync(out)).toBe(false);
  });

  test("an identity that is not a recipient: none of the identities can decrypt, no partial output", async () => {
    for (const env of [{ DKIMCTL_AGE_IDENTITY: mallory.text }, { DKIMCTL_AGE_IDENTITY_FILE: mallory.file }]) {
      const r = await exportWith(env);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/none of the identities can decrypt .*dkim-keys\/example.com\/(e1|s1).pem.age: no identity matched/);
      expect(r.out).toBe("");
      expect(existsSync(out)).toBe(false);
    }
  });

  test("a malformed identity is named by its line, never shown", async () => {
    const secret = alice.text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"))!;
    const broken = secret.slice(0, -6) + (secret.endsWith("QQQQQQ") ? "PPPPPP" : "QQQQQQ");
    const r = await exportWith({ DKIMCTL_AGE_IDENTITY: `# my key\n${broken}\n` });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/DKIMCTL_AGE_IDENTITY: line 2 is not an age identity \(not shown: it may be secret\)/);
    expect(r.err).not.toContain(broken.slice(16, 40));
    expect(existsSync(out)).toBe(false);
    const missing = await exportWith({ DKIMCTL_AGE_IDENTITY_FILE: join(tempDir(), "nope.txt") });
    expect(missing.err).toMatch(/DKIMCTL_AGE_IDENTITY_FILE: cannot read .*nope.txt: ENOENT/);
  });
});

test("keys encrypted by Debian's age -r are recovered (with an identity) and exported; keys import needs no identity", async () => {
  const p = project([alice.recipient], "      n1: { key: ed25519 }\n      i1: { key: rsa-2048 }\n");
  const made = tempDir();
  const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  pems.push(pem);
  writeFileSync(join(made, "n1.pem"), pem, { mode: 0o600 });
  mkdirSync(join(p.ageDir, "example.com"), { recursive: true });
  expect(sh("age", ["-r", alice.recipient, "-o", p.file("example.com", "n1"), join(made, "n1.pem")]).code).toBe(0);

  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  pems.push(rsa);
  writeFileSync(join(made, "i1.pem"), rsa, { mode: 0o600 });
  const imp = await dkimctl({}, "keys", "import", "--domain", "example.com", "--selector", "i1", "--key", join(made, "i1.pem"), "--config", p.config);
  expect(imp).toMatchObject({ code: 0, err: "" });
  expect(fingerprintOf(ageDecrypt(p.file("example.com", "i1"), alice.file).out)).toBe(fingerprintOf(rsa));

  // Recovering a key the lock lacks means reading it: without an identity, a clear error and nothing written.
  const before = snapshotTree(p.dir);
  const refused = await dkimctl({}, "keys", "--config", p.config);
  expect(refused.code).toBe(1);
  expect(refused.err).toMatch(/n1.pem.age is encrypted, and reading it needs an age identity: set DKIMCTL_AGE_IDENTITY/);
  expect(snapshotTree(p.dir)).toEqual(before);

  const keys = await dkimctl({ DKIMCTL_AGE_IDENTITY_FILE: alice.file }, "keys", "--config", p.config);
  expect(keys.code).toBe(0);
  expect(keys.out).toContain(`recovered ed25519 key for example.com/n1 (${fingerprintOf(pem)})`);
  expect(existsSync(p.file("example.com", "n1", "pub"))).toBe(true);

  const out = join(tempDir(), "export");
  expect((await dkimctl({ DKIMCTL_AGE_IDENTITY: alice.text }, "export", "--format", "pem", "--out", out, "--config", p.config)).code).toBe(0);
  expect(readFileSync(join(out, "example.com", "n1.pem"), "utf8")).toBe(pem);
  expect(fingerprintOf(readFileSync(join(out, "example.com", "i1.pem"), "utf8"))).toBe(fingerprintOf(rsa));
  expect(scanTree(p.ageDir, pems)).toEqual([]);
});

test("keys rewrap: a new teammate can decrypt, a removed one cannot, and no key changes", async () => {
  const p = project([alice.recipient]);
  expect((await dkimctl({}, "keys", "--config", p.config)).code).toBe(0);
  const lockBefore = readFileSync(p.lock, "utf8");
  const plain = (id: string) => ["s1", "e1"].map((s) => ageDecrypt(p.file("example.com", s), id));

  // Alice adds Bob.
  writeFileSync(p.config, yaml([alice.recipient, bob.recipient]));
  const add = await dkimctl({ DKIMCTL_AGE_IDENTITY: alice.text }, "keys", "rewrap", "--config", p.config);
  expect(add).toMatchObject({ code: 0, err: "" });
  expect(add.out).toMatch(/re-encrypted 2 keys to 2 recipients, every key unchanged/);
  const byAlice = plain(alice.file).map((d) => d.out);
  expect(plain(bob.file).map((d) => d.out)).toEqual(byAlice);

  // Alice leaves; she cannot run the rewrap that removes her (no one could check its result).
  writeFileSync(p.config, yaml([bob.recipient]));
  const before = snapshotTree(p.dir);
  const self = await dkimctl({ DKIMCTL_AGE_IDENTITY: alice.text }, "keys", "rewrap", "--config", p.config);
  expect(self.code).toBe(1);
  expect(self.err).toMatch(/is not one of keyStore.age.recipients: rewrap must be run by a remaining recipient/);
  expect(snapshotTree(p.dir)).toEqual(before);
  const remove = await dkimctl({ DKIMCTL_AGE_IDENTITY_FILE: bob.file }, "keys", "rewrap", "--config", p.config);
  expect(remove.code).toBe(0);
  expect(plain(alice.file).map((d) => d.code)).toEqual([1, 1]);
  expect(plain(bob.file).map((d) => d.out)).toEqual(byAlice);
  expect(readFileSync(p.lock, "utf8")).toBe(lockBefore);
  expect((await dkimctl({}, "keys", "--config", p.config)).out).toBe("every generated selector has a key; nothing to do\n");

  const local = tempProject("version: 1\nzones: { example.com: { provider: route53 } }\ndomains:\n  example.com: { selectors: { s1: { key: ed25519 } } }\n");
  const r = await dkimctl({}, "keys", "rewrap", "--config", local.config);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/keys rewrap re-encrypts the keys of an age key store, but .* keeps keys in the local store/);
});

test("a selector never gets a second key: of two creates, racing or not, only the first stores a key", async () => {
  const dir = join(tempDir(), "dkim-keys");
  const store = new AgeKeyStore(dir, [alice.recipient], { text: alice.text });
  const other = new AgeKeyStore(dir, [alice.recipient], {});
  const pem = () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const [a, b, c] = [pem(), pem(), pem()];
  pems.push(a, b, c);
  expect(await store.create("example.com", "s1", a)).toBe(true);
  expect(await other.create("example.com", "s1", b)).toBe(false);
  expect(await store.get("example.com", "s1")).toBe(a);
  const raced = await Promise.all([store.create("example.com", "s2", b), other.create("example.com", "s2", c)]);
  expect(raced.filter(Boolean)).toHaveLength(1);
  expect(await store.get("example.com", "s2")).toBe(raced[0] ? b : c);
  expect(await other.fingerprint("example.com", "s2")).toBe(fingerprintOf(raced[0] ? b : c));
  expect(await store.list()).toEqual([
    { domain: "example.com", selector: "s1" },
    { domain: "example.com", selector: "s2" },
  ]);
  expect(readdirSync(join(dir, "example.com")).sort()).toEqual(["s1.pem.age", "s1.pub", "s2.pem.age", "s2.pub"]);
});

test("a store with a link or a file broken by a merge is refused before anything is written", async () => {
  const p = project([alice.recipient]);
  expect((await dkimctl({}, "keys", "--config", p.config)).code).toBe(0);
  const e1 = p.file("example.com", "e1");
  const text = readFileSync(e1, "utf8");
  writeFileSync(e1, `<<<<<<< HEAD\n${text}=======\n${text}>>>>>>> theirs\n`);
  const s1 = p.file("example.com", "s1");
  const target = join(tempDir(), "s1.pem.age");
  writeFileSync(target, readFileSync(s1));
  unlinkSync(s1);
  symlinkSync(target, s1);
  const before = snapshotTree(p.dir);
  const r = await dkimctl({}, "keys", "--config", p.config);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/e1.pem.age is not an age-encrypted file \(it holds a merge conflict\): restore it from git history/);
  expect(r.err).toMatch(/s1.pem.age is a symbolic link/);
  expect(snapshotTree(p.dir)).toEqual(before);
});

test("an ssh-ed25519 recipient is refused with what to give instead: the age library encrypts to age1... only", async () => {
  const ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsCFXxsZ3ZK0wKq2zyl1ZcGm3Oq5xr0p2T3G7pOlMtu bob@laptop";
  const p = project([alice.recipient, ssh]);
  const r = await dkimctl({}, "keys", "--config", p.config);
  expect(r.code).toBe(1);
  // Refused by validation, at its line in domains.yaml, before the store opens.
  expect(r.err).toMatch(
    /domains\.yaml:\d+:\d+: keyStore\/age\/recipients\/1: SSH keys are not supported as recipients .* give the teammate's 'age-keygen -y' recipient/,
  );
  expect(existsSync(p.ageDir)).toBe(false);
});

test("no key material in any output, nor in any age store (ciphertext and public halves only)", () => {
  expect(pems.length).toBeGreaterThan(5);
  expect(said.flatMap((text, i) => findSecrets(text, pems).map((f) => `output #${i}: ${f}`))).toEqual([]);
  expect(stores.filter(existsSync).flatMap((d) => scanTree(d, pems))).toEqual([]);
});
