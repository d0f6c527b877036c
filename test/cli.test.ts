/** The dkimctl commands, through the same entry point users run. */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { dkimctl, dkimctlBin, ROOT, tempDir, tempProject } from "./support/project";

const YAML = `version: 1
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.com:
    selectors:
      s1: {}
      e1: { key: ed25519 }
  example.org:
    selectors:
      s1: { cname: s1.domainkey.u1234.wl.sendgrid.net }
      imp: { key: rsa-2048 }
`;

const mode = (p: string) => statSync(p).mode & 0o777;

describe("dkimctl keys", () => {
  test("generates a key per generated selector: public halves in the lock, private in a 0700/0600 store", async () => {
    const p = tempProject(YAML);
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/generated rsa-2048 key for example.com\/s1 \(sha256:[0-9a-f]{64}\)/);
    expect(r.out).toMatch(/generated ed25519 key for example.com\/e1/);
    const lockText = readFileSync(p.lock, "utf8");
    expect(lockText).not.toMatch(/PRIVATE KEY/);
    const lock = parse(lockText);
    expect(Object.keys(lock.keys)).toEqual(["example.com", "example.org"]);
    expect(Object.keys(lock.keys["example.org"])).toEqual(["imp"]); // the cname selector holds no key
    for (const d of [p.store, join(p.store, "example.com"), join(p.dir, ".dkim")]) expect(mode(d)).toBe(0o700);
    expect(readdirSync(join(p.store, "example.com")).sort()).toEqual(["e1.pem", "s1.pem"]);
    expect(mode(join(p.store, "example.com", "s1.pem"))).toBe(0o600);
    // Nothing left behind by the atomic writes.
    expect(readdirSync(p.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a second run changes nothing: a selector never gets a second key", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const before = readFileSync(p.lock, "utf8");
    const key = readFileSync(join(p.store, "example.com", "s1.pem"), "utf8");
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.out).toBe("every generated selector has a key; nothing to do\n");
    expect(readFileSync(p.lock, "utf8")).toBe(before);
    expect(readFileSync(join(p.store, "example.com", "s1.pem"), "utf8")).toBe(key);
  });

  test("a lock that lost an entry (reverted file) gets the stored key back, not a new one", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const full = parse(readFileSync(p.lock, "utf8"));
    const fp = full.keys["example.com"].s1.fingerprint;
    delete full.keys["example.com"].s1;
    writeFileSync(p.lock, JSON.stringify(full));
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.out).toContain(`recovered rsa-2048 key for example.com/s1 (${fp})`);
    expect(parse(readFileSync(p.lock, "utf8")).keys["example.com"].s1.fingerprint).toBe(fp);
  });

  test("a store key that does not match the lock is an error, and nothing is written", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
    writeFileSync(join(p.store, "example.com", "s1.pem"), other, { mode: 0o600 });
    const before = readFileSync(p.lock, "utf8");
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/example.com\/s1: the private key in .* does not match .*dkim.lock.yaml \(lock sha256:[0-9a-f]+, store sha256:[0-9a-f]+\)/);
    expect(readFileSync(p.lock, "utf8")).toBe(before);
  });

  test("invalid input: exit 1, every problem with its line, and no key, lock or store written", async () => {
    const p = tempProject(YAML.replace("e1: { key: ed25519 }", "e1: { key: ed448 }").replace("zoneId: 023e", "zoneId: 023E"));
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err.split("\n").filter((l) => l.startsWith(p.config))).toHaveLength(2);
    expect(r.err).toContain(`${p.config}:4:48: zones/example.org/zoneId:`);
    expect(r.err).toContain(`${p.config}:9:18: domains/example.com/selectors/e1/key: "ed448" is not allowed`);
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(join(p.dir, ".dkim"))).toBe(false);
  });

  test("a hand-edited lock is refused with its position", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const text = readFileSync(p.lock, "utf8");
    const lock = parse(text);
    const pk: string = lock.keys["example.com"].s1.publicKey;
    writeFileSync(p.lock, text.replace(pk, pk.slice(0, 60) + (pk[60] === "A" ? "B" : "A") + pk.slice(61)));
    const r = await dkimctl("records", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /dkim.lock.yaml:\d+:\d+: keys\/example.com\/s1\/fingerprint: fingerprint does not match publicKey: the lock was edited by hand; restore it from git/,
    );
  });

  test("a lock with merge conflict markers says how to recover", async () => {
    const p = tempProject(YAML);
    writeFileSync(p.lock, "version: 1\nkeys:\n<<<<<<< HEAD\n  a: {}\n=======\n  b: {}\n>>>>>>> main\n");
    const r = await dkimctl("validate", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`merge conflict, take one side and run 'npx dkimctl keys --config ${p.config}' again`);
    expect(r.err).toMatch(/dkim.lock.yaml:3:1: /);
  });
});

describe("dkimctl keys import", () => {
  const pkcs1 = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }) as string;

  test("adopts a PKCS#1 RSA key (OpenDKIM's format), stored as PKCS#8, origin recorded", async () => {
    const p = tempProject(YAML);
    const keyFile = join(p.dir, "old.private");
    writeFileSync(keyFile, pkcs1());
    const r = await dkimctl("keys", "import", "--domain", "Example.ORG.", "--selector", "imp", "--key", keyFile, "--config", p.config);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(p.store, "example.org", "imp.pem"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-{5}\n/);
    expect(parse(readFileSync(p.lock, "utf8")).keys["example.org"].imp.origin).toBe("imported");
    // keys then fills in the rest without touching the import.
    const k = await dkimctl("keys", "--config", p.config);
    expect(k.out).not.toContain("example.org/imp");
  });

  test.each([
    [
      "a selector that already has a key",
      "imp",
      async (p: ReturnType<typeof tempProject>) => void (await dkimctl("keys", "--config", p.config)),
      pkcs1,
      /already has a key: a selector never gets a second key/,
    ],
    [
      "an algorithm other than declared",
      "imp",
      async () => undefined,
      () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string,
      /the key is ed25519 but domains.yaml declares example.org\/imp as rsa-2048: set 'key: ed25519'/,
    ],
    [
      "a public key",
      "imp",
      async () => undefined,
      () => generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string,
      /this is a public key/,
    ],
    [
      "an encrypted key",
      "imp",
      async () => undefined,
      () =>
        generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
          type: "pkcs8",
          format: "pem",
          cipher: "aes-256-cbc",
          passphrase: "x",
        }) as string,
      /the key is encrypted; decrypt it first/,
    ],
    ["a selector not in domains.yaml", "nope", async () => undefined, pkcs1, /example.org\/nope is not in .*domains.yaml: add it/],
    ["a delegated selector", "s1", async () => undefined, pkcs1, /example.org\/s1 is a delegated selector/],
  ])("refuses %s, writing nothing", async (_what, selector, setup, makeKey, why) => {
    const p = tempProject(YAML);
    await setup(p);
    const lockBefore = existsSync(p.lock) ? readFileSync(p.lock, "utf8") : undefined;
    const keyFile = join(p.dir, "k.pem");
    writeFileSync(keyFile, makeKey());
    const r = await dkimctl("keys", "import", "--domain", "example.org", "--selector", selector, "--key", keyFile, "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(why);
    expect(r.err).not.toMatch(/PRIVATE KEY| {4}at /);
    expect(existsSync(p.lock) ? readFileSync(p.lock, "utf8") : undefined).toBe(lockBefore);
  });
});

describe("dkimctl export", () => {
  test("pem: one PKCS#8 file per generated selector, 0600 in 0700 directories", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const out = join(tempDir(), "export");
    const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([".dkimctl-export", "example.com", "example.org"]);
    expect(readdirSync(join(out, "example.com")).sort()).toEqual(["e1.pem", "s1.pem"]);
    expect(readFileSync(join(out, "example.com", "s1.pem"), "utf8")).toBe(readFileSync(join(p.store, "example.com", "s1.pem"), "utf8"));
    expect(mode(out)).toBe(0o700);
    expect(mode(join(out, "example.org", "imp.pem"))).toBe(0o600);
    expect(r.out).not.toContain("PRIVATE");
  });

  test("json and opendkim formats", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const out = tempDir();
    await dkimctl("export", "--format", "json", "--out", out, "--config", p.config);
    const keys = JSON.parse(readFileSync(join(out, "keys.json"), "utf8"));
    expect(keys.map((k: { domain: string; selector: string; algorithm: string }) => `${k.domain}/${k.selector}/${k.algorithm}`)).toEqual([
      "example.com/e1/ed25519",
      "example.com/s1/rsa-2048",
      "example.org/imp/rsa-2048",
    ]);
    const od = tempDir();
    await dkimctl("export", "--format", "opendkim", "--out", od, "--config", p.config);
    expect(readFileSync(join(od, "KeyTable"), "utf8")).toContain("s1._domainkey.example.com example.com:s1:keys/example.com/s1.private\n");
    expect(readFileSync(join(od, "SigningTable"), "utf8")).toContain("example.com s1._domainkey.example.com\nexample.org imp._domainkey.example.org\n");
  });

  test("a key missing from the store fails with how to recover, and exports nothing", async () => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    const out = join(tempDir(), "x");
    const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config, "--key-store", tempDir());
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/example.com\/s1: the key store .* has no private key for it: restore the key store .* from its backup/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("dkimctl records", () => {
  let p: ReturnType<typeof tempProject>;
  beforeAll(async () => {
    p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
  });

  test("json: {zone, provider, name, type, ttl, value, strings}", async () => {
    const r = await dkimctl("records", "--format", "json", "--config", p.config);
    const records = JSON.parse(r.out);
    expect(records.map((x: { name: string }) => x.name)).toEqual([
      "e1._domainkey.example.com",
      "s1._domainkey.example.com",
      "imp._domainkey.example.org",
      "s1._domainkey.example.org",
    ]);
    expect(Object.keys(records[0])).toEqual(["zone", "provider", "name", "type", "ttl", "value", "strings", "kind"]);
    expect(records[3]).toEqual({
      zone: "example.org",
      provider: "cloudflare",
      name: "s1._domainkey.example.org",
      type: "CNAME",
      ttl: 3600,
      value: "s1.domainkey.u1234.wl.sendgrid.net",
      strings: [],
      kind: "dkim",
    });
    expect(records[1].strings.join("")).toBe(records[1].value);
  });

  test("markdown and table abbreviate the key for review; unknown formats are usage errors", async () => {
    const md = await dkimctl("records", "--format", "markdown", "--config", p.config);
    expect(md.out.split("\n")[0]).toBe("| Zone | Name | Type | TTL | Value |");
    expect(md.out).toMatch(
      /\| example.com \(route53\) \| `s1._domainkey.example.com` \| TXT \| 3600 \| `v=DKIM1; k=rsa; p=MIIBIjANBgkq\.\.\.[A-Za-z0-9+/=]{12}` \|/,
    );
    const table = await dkimctl("records", "--config", p.config);
    expect(table.out.split("\n")[0]).toMatch(/^ZONE\s+NAME\s+TYPE\s+TTL\s+VALUE$/);
    const bad = await dkimctl("records", "--format", "yaml", "--config", p.config);
    expect([bad.code, bad.err]).toEqual([
      2,
      "error: --format must be one of table, zone, json, markdown, not 'yaml'\nRun 'dkimctl records --help' for usage.\n",
    ]);
  });
});

describe("usage and exit status", () => {
  test.each([
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["keys", "--nope"], /unknown option '--nope'/],
    [["export", "--format", "pem"], /--out is required/],
    [["export", "--out", "x"], /--format is required: one of pem, opendkim, json/],
    [["validate", "extra"], /Unexpected argument .extra./],
  ])("%j is a usage error (exit 2)", async (argv, why) => {
    const r = await dkimctl(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(why);
  });

  test("a missing config file is exit 1 with what to do", async () => {
    const r = await dkimctl("validate", "--config", "/nonexistent/domains.yaml");
    expect([r.code, r.err]).toEqual([
      1,
      "/nonexistent/domains.yaml:1:1: no such file; check the path given (--config or DKIMCTL_CONFIG), or start a project with 'npx dkimctl init'\n" +
        "1 problem found; nothing was changed.\n",
    ]);
  });

  test("the real bin prints no stack trace and honours DKIMCTL_CONFIG", () => {
    const p = tempProject("version: 1\nzones: [\n");
    const r = dkimctlBin(["validate"], { env: { DKIMCTL_CONFIG: p.config } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^${p.config}:\\d+:\\d+: YAML syntax error`));
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

test("keys fails, writing nothing, when the lock has keys whose private halves the store lacks (a fresh clone; #21 item 10)", async () => {
  const p = tempProject(YAML);
  await dkimctl("keys", "--config", p.config);
  const empty = tempDir();
  const r = await dkimctl("keys", "--config", p.config, "--key-store", empty);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(
    /^error: example.com\/e1: .*dkim.lock.yaml has its public key but .* has no private key for it: restore the key store .* from its backup/m,
  );
  expect(r.err).not.toMatch(/^warning/m);
  expect(readdirSync(empty)).toEqual([]);
});

test("a reader that closes early (dkimctl records | head -1): the command ends with its own status, no EPIPE stack", async () => {
  const p = tempProject(YAML);
  await dkimctl("keys", "--config", p.config);
  const run = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, "bin", "dkimctl.js"), ...args, "--config", p.config], { stdio: ["ignore", "pipe", "pipe"] });
      // The reader goes before the first line is written, as `head -1` goes after it.
      child.stdout.destroy();
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      child.on("close", (code) => resolve({ code, err }));
    });
  for (const args of [["validate"], ["records", "--format", "zone"]]) {
    const r = await run(args);
    expect({ args, code: r.code, epipe: /EPIPE|Unhandled/.test(r.err) }).toEqual({ args, code: 0, epipe: false });
  }
});
