/**
 * Signing-provider mode's keys: `dkimctl keys` makes one key per customer
 * slot in every kind of key store (local, age, Secrets Manager on moto), the
 * public halves in the lock's `customers:` section; a run killed half-way
 * resumes where it stopped, and lock and store never disagree.
 */
import { spawn, spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { fingerprint, privateKeyFingerprint, publicKeyValue } from "../src/dkim/keys";
import { InputError } from "../src/config/problems";
import { Lock } from "../src/keys/lock";
import { MotoServer, requireMoto } from "./support/moto";
import { dkimctl, ROOT, tempDir, tempProject } from "./support/project";
import { snapshotTree } from "./support/tree";

jest.setTimeout(180_000);

const config = (customers: string[], keyStore = "", key = "ed25519") => `version: 1
zones:
  dkim.esp.example: { provider: route53 }
${keyStore}customers:
  dkim.esp.example:
    key: ${key}
    domains:
${customers.map((c) => `      ${c}:`).join("\n")}
`;

interface LockedSlot {
  algorithm: string;
  publicKey: string;
  fingerprint: string;
  created: string;
  generation: number;
}
const lockedSlots = (file: string): Record<string, Record<string, LockedSlot>> =>
  existsSync(file) ? (parse(readFileSync(file, "utf8"))?.customers ?? {}) : {};

describe("local store", () => {
  test("one key per slot: private halves at <customer>/<slot>.1, public halves in the lock's customers section; a rerun changes nothing", async () => {
    const p = tempProject(config(["shop.example", "bücher.example"]));
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(0);
    const made = [...r.out.matchAll(/^generated ed25519 key for customer (\S+) slot (\S+) \((sha256:[0-9a-f]{64})\)$/gm)];
    expect(made.map((m) => `${m[1]} ${m[2]}`)).toEqual(["shop.example esp1", "shop.example esp2", "xn--bcher-kva.example esp1", "xn--bcher-kva.example esp2"]);
    const locked = lockedSlots(p.lock);
    expect(Object.keys(locked)).toEqual(["shop.example", "xn--bcher-kva.example"]);
    for (const [customer, slots] of Object.entries(locked)) {
      expect(Object.keys(slots)).toEqual(["esp1", "esp2"]);
      for (const [slot, entry] of Object.entries(slots)) {
        expect(Object.keys(entry)).toEqual(["algorithm", "publicKey", "fingerprint", "created", "generation"]);
        expect([entry.algorithm, entry.generation, entry.fingerprint]).toEqual(["ed25519", 1, fingerprint(entry.publicKey)]);
        // The store holds the private half of exactly this key, 0600 in a 0700 directory.
        const file = join(p.store, customer, `${slot}.1.pem`);
        const pem = readFileSync(file, "utf8");
        expect(publicKeyValue(createPublicKey(pem))).toBe(entry.publicKey);
        expect(made.find((m) => m[1] === customer && m[2] === slot)![3]).toBe(entry.fingerprint);
      }
    }
    expect(readdirSync(p.store).sort()).toEqual(["shop.example", "xn--bcher-kva.example"]);
    expect(readFileSync(p.lock, "utf8")).not.toMatch(/PRIVATE/);

    const before = snapshotTree(p.dir);
    const again = await dkimctl("keys", "--config", p.config);
    expect([again.code, again.out]).toEqual([0, "every generated selector and customer slot has a key; nothing to do\n"]);
    expect(snapshotTree(p.dir)).toEqual(before);
    const v = await dkimctl("validate", "--config", p.config);
    // Each slot of each cname customer: its key record at its target in the key zone.
    expect([v.code, v.out.split("\n").slice(0, 3)]).toEqual([
      0,
      [
        `${p.config}: ok (1 zones, 0 domains, 2 customers, 4 records)`,
        `${p.lock}: ok (4 keys)`,
        `key store local ${p.store}: ok: it holds the 4 keys the lock publishes, each matching it`,
      ],
    ]);
  });

  test("a slot key in the store that does not match the lock is an error naming its store address", async () => {
    const p = tempProject(config(["shop.example"]));
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const lock = Lock.read(p.lock);
    const other = lock.slotKey("shop.example", "esp2")!;
    lock.setSlotKey("shop.example", "esp1", other);
    lock.write(p.lock);
    const r = await dkimctl("validate", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: shop.example/esp1.1: the private key in ${p.store} does not match ${p.lock}`);
  });

  test("a killed run resumes: keys it stored are adopted, not made again, and lock and store agree", async () => {
    // 1,200 keys: more than one batch of the generator (1,000 keys are stored together), so a kill can fall after the first.
    const customers = Array.from({ length: 600 }, (_, i) => `c${i}.example`);
    const p = tempProject(config(customers));
    // SIGKILL once the first batch is stored (each key's file is created atomically; the lock is written at the end).
    const killed = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "keys", "--quiet", "--config", p.config], { cwd: ROOT });
      const poll = setInterval(() => {
        const stored = existsSync(p.store) ? readdirSync(p.store, { recursive: true }).filter((f) => String(f).endsWith(".pem")).length : 0;
        if (stored >= 1000) child.kill("SIGKILL");
      }, 2);
      child.on("close", (_, signal) => {
        clearInterval(poll);
        resolve({ signal });
      });
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(existsSync(p.lock)).toBe(false);
    const stored = Object.fromEntries(Object.entries(snapshotTree(p.store)).filter(([rel]) => rel.endsWith(".pem")));
    expect(Object.keys(stored).length).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(stored).length).toBeLessThan(1200);

    // The killed run's project lock frees itself after DKIMCTL_LOCK_STALE seconds.
    const rerun = spawnSync(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "keys", "--quiet", "--config", p.config], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, DKIMCTL_LOCK_STALE: "1" },
    });
    expect([rerun.status, rerun.stderr.replace(/^another dkimctl run is changing this project.*\n/m, "")]).toEqual([0, ""]);
    const recovered = rerun.stdout.match(/^recovered /gm) ?? [];
    const generated = rerun.stdout.match(/^generated /gm) ?? [];
    expect([recovered.length, generated.length]).toEqual([Object.keys(stored).length, 1200 - Object.keys(stored).length]);
    // Every stored key is unchanged and is the lock's; every slot has one.
    const after = snapshotTree(p.store);
    for (const [rel, content] of Object.entries(stored)) expect(after[rel]).toBe(content);
    const locked = lockedSlots(p.lock);
    expect(Object.keys(locked)).toHaveLength(600);
    for (const customer of customers)
      for (const slot of ["esp1", "esp2"])
        expect(privateKeyFingerprint(readFileSync(join(p.store, customer, `${slot}.1.pem`), "utf8"))).toBe(locked[customer][slot].fingerprint);
    const again = await dkimctl("keys", "--config", p.config);
    expect([again.code, again.err, again.out]).toEqual([0, "", "every generated selector and customer slot has a key; nothing to do\n"]);
  });
});

test("keys import refuses a customer, saying where its keys come from", async () => {
  const p = tempProject(config(["shop.example"]));
  const pem = join(tempDir(), "key.pem");
  writeFileSync(pem, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  const r = await dkimctl("keys", "import", "--domain", "shop.example", "--selector", "esp1", "--key", pem, "--config", p.config);
  expect([r.code, r.err]).toEqual([
    1,
    `error: shop.example is a customer (signing-provider mode): its slots get their keys from 'npx dkimctl keys --config ${p.config}'; ` +
      "keys import adopts keys of sender domains' selectors\n",
  ]);
});

describe("age and AWS Secrets Manager stores", () => {
  let moto: MotoServer;
  const saved = { ...process.env };
  beforeAll(async () => {
    requireMoto();
    moto = await MotoServer.start();
  });
  afterAll(() => {
    moto?.stop();
    process.env = saved;
  });

  test("age: the slot keys are encrypted files <customer>/<slot>.1.pem.age with their public halves beside them", async () => {
    const idFile = join(tempDir("dkimctl-age-id-"), "key.txt");
    expect(spawnSync("age-keygen", ["-o", idFile]).status).toBe(0);
    const recipient = spawnSync("age-keygen", ["-y", idFile], { encoding: "utf8" }).stdout.trim();
    const p = tempProject(config(["shop.example"], `keyStore: { age: { dir: dkim-keys, recipients: [${recipient}] } }\n`));
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(0);
    expect(readdirSync(join(p.dir, "dkim-keys", "shop.example")).sort()).toEqual(["esp1.1.pem.age", "esp1.1.pub", "esp2.1.pem.age", "esp2.1.pub"]);
    // Decrypted with the real age binary, each is the private half of the lock's key.
    const locked = lockedSlots(p.lock)["shop.example"];
    for (const slot of ["esp1", "esp2"]) {
      const pem = spawnSync("age", ["-d", "-i", idFile, join(p.dir, "dkim-keys", "shop.example", `${slot}.1.pem.age`)], { encoding: "utf8" }).stdout;
      expect([slot, privateKeyFingerprint(pem)]).toEqual([slot, locked[slot].fingerprint]);
    }
  });

  test("Secrets Manager: one secret per slot key, <prefix><customer>/<slot>.1; a second run finds them all", async () => {
    Object.assign(process.env, moto.env(), { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url });
    const p = tempProject(
      config(["shop.example", "mail.example.org"], "keyStore: { awsSecretsManager: { region: us-east-1, project: esp-customers-1, prefix: esp/ } }\n"),
    );
    const r = await dkimctl("keys", "--config", p.config);
    expect([r.code, r.err]).toEqual([0, ""]);
    const { SecretsManagerClient, ListSecretsCommand, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const client = new SecretsManagerClient({ region: "us-east-1", endpoint: moto.url });
    const names = ((await client.send(new ListSecretsCommand({}))).SecretList ?? []).map((s) => s.Name).sort();
    expect(names).toEqual(["esp/mail.example.org/esp1.1", "esp/mail.example.org/esp2.1", "esp/shop.example/esp1.1", "esp/shop.example/esp2.1"]);
    const locked = lockedSlots(p.lock);
    for (const name of names) {
      const [, customer, key] = name!.split("/");
      const pem = (await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!;
      expect(privateKeyFingerprint(pem)).toBe(locked[customer][key.split(".")[0]].fingerprint);
    }
    const again = await dkimctl("keys", "--config", p.config);
    expect([again.code, again.out]).toEqual([0, "every generated selector and customer slot has a key; nothing to do\n"]);
  });

  test("keys prune leaves the slot keys alone: those of the lock, and one a killed run stored before the lock named it", async () => {
    Object.assign(process.env, moto.env(), { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url });
    const p = tempProject(
      config(["shop.example", "news.example"], "keyStore: { awsSecretsManager: { region: us-east-1, project: esp-customers-2, prefix: prune/ } }\n"),
    );
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    // news.example's keys were made, then the lock lost them (as a run killed before writing it leaves things).
    const lock = Lock.read(p.lock);
    writeFileSync(p.lock, lock.toString().replace(/\n {2}news\.example:\n(?: {4}.*\n)+/, "\n"));
    expect(Lock.read(p.lock).slotKey("news.example", "esp1")).toBeUndefined();
    const r = await dkimctl("keys", "prune", "--older-than", "1s", "--config", p.config);
    expect([r.code, r.err, r.out]).toEqual([0, "", "deleted 0 removed keys (older than 1s); kept 0\n"]);
    // The next keys adopts news.example's keys.
    const again = await dkimctl("keys", "--config", p.config);
    expect(again.out.match(/^recovered /gm)).toHaveLength(2);
  });

  test("keys migrate copies the slot keys too", async () => {
    const p = tempProject(config(["shop.example"]));
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const r = await dkimctl("keys", "migrate", "--to", "{ local: { dir: moved } }", "--config", p.config);
    expect(r.code).toBe(0);
    expect(readdirSync(join(p.dir, "moved", "shop.example")).sort()).toEqual(["esp1.1.pem", "esp2.1.pem"]);
  });
});

describe("the lock's customers section", () => {
  test("read back as written", async () => {
    const p = tempProject(config(["shop.example"]));
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const lock = Lock.read(p.lock);
    expect(lock.slotKeys().map(({ customer, slot, entry }) => [customer, slot, entry.generation])).toEqual([
      ["shop.example", "esp1", 1],
      ["shop.example", "esp2", 1],
    ]);
    expect(lock.storeKeys().map((k) => `${k.domain}/${k.name}`)).toEqual(["shop.example/esp1.1", "shop.example/esp2.1"]);
    expect(lock.toString()).toBe(readFileSync(p.lock, "utf8"));
  });

  test("the fast read (js-yaml, no positions) and the positions-keeping read give the same lock", async () => {
    const p = tempProject(
      `${config(["shop.example", "bücher.example"])}domains:\n  example.com:\n    selectors: { s1: {}, e1: { key: ed25519 } }\n`.replace(
        "zones:\n",
        "zones:\n  example.com: { provider: route53 }\n",
      ),
    );
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const text = readFileSync(p.lock, "utf8");
    // A core tag (!!str) changes no value, but only the positions-keeping parser reads a lock with one.
    const tagged = text.replace(/algorithm: ed25519/g, "algorithm: !!str ed25519");
    expect(tagged).not.toBe(text);
    // YamlSource.parse takes the fast read where it can; the yaml package's parseDocument is the positions-keeping parse.
    const positions = jest.spyOn(require("yaml") as typeof import("yaml"), "parseDocument");
    const fast = Lock.parse("dkim.lock.yaml", text);
    expect(positions).not.toHaveBeenCalled();
    const slow = Lock.parse("dkim.lock.yaml", tagged);
    expect(positions).toHaveBeenCalled();
    positions.mockRestore();
    expect(fast.toString()).toBe(text);
    expect(slow.toString()).toBe(text);
    expect(fast.storeKeys()).toEqual(slow.storeKeys());
    expect(fast.storeKeys()).toHaveLength(6);
  });

  test("a damaged entry is refused at its place", async () => {
    const p = tempProject(config(["shop.example"]));
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const text = readFileSync(p.lock, "utf8")
      .replace("    esp2:", "    esp.2:")
      .replace(/generation: 1\n$/, "generation: 0\n")
      .replace("shop.example:", "Shop.example:");
    try {
      Lock.parse("dkim.lock.yaml", text);
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).problems.map((x) => `${x.line}:${x.col} ${x.path}: ${x.message}`)).toEqual([
        "5:3 customers/Shop.example: customer 'Shop.example' is not in its published form shop.example: the lock was edited by hand; restore it from git",
        "12:5 customers/Shop.example/esp.2: slot 'esp.2' is not one label: the lock was edited by hand; restore it from git",
        "17:19 customers/Shop.example/esp.2/generation: generation must be a whole number from 1: the lock was edited by hand; restore it from git",
      ]);
    }
  });
});
