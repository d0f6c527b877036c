/**
 * The AWS Secrets Manager key store against moto's server (an AWS emulator
 * nobody here wrote), through the real SDK: what dkimctl stores (one secret
 * per key, tags, KMS key), create-only under concurrent runs, listing past
 * one page, retries of throttling and 5xx (a small proxy in front of moto
 * injects them: moto cannot), prune with a recovery window, one-line errors,
 * the DKIM round trip, and no key material in any output.
 */
jest.setTimeout(180_000);
import { spawn } from "node:child_process";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { join } from "node:path";
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  RestoreSecretCommand,
  type SecretListEntry,
  SecretsManagerClient,
  TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { parse } from "yaml";
import { fingerprint, publicKeyValue } from "../src/dkim/keys";
import { SecretsManagerKeyStore } from "../src/keys/secrets-manager-store";
import { MotoServer, requireMoto } from "./support/moto";
import { dkimctl as runInProcess, ROOT, synthApp, tempDir, tempProject } from "./support/project";
import { findSecrets } from "./support/secrets";
import { snapshotTree } from "./support/tree";
import { dkimpyVerify, mailauthVerify, signMessage } from "./support/verifiers";

const REGION = "eu-west-1";
/** This file's projects' id (keyStore.awsSecretsManager.project). */
const PROJECT = "0a1b2c3d4e5f6071";
/** A PEM BEGIN line, built so that this file does not itself look like it holds a key. */
const PEM_HEADER = `${"-".repeat(5)}BEGIN PRIVATE KEY${"-".repeat(5)}`;

let moto: MotoServer;
let proxy: FaultProxy;
let sm: SecretsManagerClient;
const savedEnv = { ...process.env };

/** Every output of every run and every key read from the store, for the leak check at the end. */
const said: string[] = [];
const keysSeen = new Set<string>();

let prefixes = 0;
/** Each test has its own secrets: names under a prefix of its own. */
const newPrefix = () => `t${++prefixes}-${Date.now() % 100000}/`;

beforeAll(async () => {
  requireMoto();
  moto = await MotoServer.start();
  proxy = await FaultProxy.start(moto.url);
  Object.assign(process.env, moto.env(), { AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url, AWS_ENDPOINT_URL_KMS: moto.url });
  sm = new SecretsManagerClient({ region: REGION });
}, 60_000);

afterAll(async () => {
  sm?.destroy();
  await proxy?.close();
  moto?.stop();
  process.env = savedEnv;
});

async function dkimctl(...argv: string[]) {
  const r = await runInProcess(...argv);
  said.push(r.out, r.err);
  return r;
}

/** Runs `fn` with these environment variables (undefined: unset), restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (vs: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vs))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  };
  set(vars);
  try {
    return await fn();
  } finally {
    set(before);
  }
}

function smProject(prefix: string, domains: string, storeExtra = "") {
  return tempProject(
    [
      "version: 1",
      `keyStore: { awsSecretsManager: { region: ${REGION}, project: ${PROJECT}, prefix: ${prefix}${storeExtra} } }`,
      "zones:",
      "  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }",
      "domains:",
      domains,
      "",
    ].join("\n"),
  );
}

type Locked = Record<string, Record<string, { fingerprint: string; state?: string; removed?: string }>>;
const lockOf = (file: string): Locked => (existsSync(file) ? (parse(readFileSync(file, "utf8"))?.keys ?? {}) : {});
const lockedNames = (l: Locked) =>
  Object.entries(l)
    .flatMap(([d, sels]) => Object.keys(sels).map((s) => `${d}/${s}`))
    .sort();

const pemFingerprint = (pem: string) => fingerprint(publicKeyValue(createPublicKey(createPrivateKey(pem))));
const newPem = (type: "ed25519" | "rsa" = "ed25519") =>
  (type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519")).privateKey
    .export({ type: "pkcs8", format: "pem" })
    .toString();

/** The secrets under `prefix`, every page (planned deletions too with `deleted`). */
async function secretsUnder(prefix: string, deleted = false): Promise<SecretListEntry[]> {
  const out: SecretListEntry[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(
      new ListSecretsCommand({ MaxResults: 100, NextToken, IncludePlannedDeletion: deleted, Filters: [{ Key: "name", Values: [prefix] }] }),
    );
    out.push(...(page.SecretList ?? []).filter((s) => s.Name!.startsWith(prefix)));
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => a.Name!.localeCompare(b.Name!));
}

async function secretValue(name: string): Promise<string> {
  const pem = (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!;
  keysSeen.add(pem);
  return pem;
}

/** Each secret under `prefix` by `domain/selector`: its value's fingerprint and its number of versions. */
async function storedKeys(prefix: string): Promise<Record<string, { fingerprint: string; versions: number }>> {
  const out: Record<string, { fingerprint: string; versions: number }> = {};
  for (const s of await secretsUnder(prefix))
    out[s.Name!.slice(prefix.length)] = {
      fingerprint: pemFingerprint(await secretValue(s.Name!)),
      versions: Object.keys(s.SecretVersionsToStages ?? {}).length,
    };
  return out;
}

const tagsOf = (tags: { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

/** A KMS call to moto (JSON protocol; moto checks no signature). */
async function kms(target: string, body: object): Promise<Record<string, any>> {
  const res = await fetch(moto.url, {
    method: "POST",
    headers: {
      "X-Amz-Target": `TrentService.${target}`,
      "Content-Type": "application/x-amz-json-1.1",
      Authorization: `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/20260101/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto KMS ${target}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

// ---------------------------------------------------------------------------------------------
// A proxy in front of moto that fails the next requests as asked, and records what it saw
// ---------------------------------------------------------------------------------------------

interface Fault {
  readonly status: number;
  readonly type: string;
  readonly message?: string;
}
const SERVER_ERROR: Fault = { status: 500, type: "InternalServiceError" };
const THROTTLED: Fault = { status: 400, type: "ThrottlingException", message: "Rate exceeded" };

class FaultProxy {
  /** Each request: the operation, its parameters (never the secret value), the fault returned or moto's status. */
  readonly calls: { op: string; params: Record<string, unknown>; fault?: string; status?: number }[] = [];
  private faults: Fault[] = [];
  private barrier?: { op: string; count: number; held: (() => void)[] };

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static start(upstream: string): Promise<FaultProxy> {
    const faults: { proxy?: FaultProxy } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const p = faults.proxy!;
        const { SecretString: _value, ...params } = JSON.parse(body.toString("utf8") || "{}");
        const fault = p.faults.shift();
        const call: FaultProxy["calls"][number] = {
          op: String(req.headers["x-amz-target"] ?? "").replace(/^secretsmanager\./, ""),
          params,
          ...(fault ? { fault: fault.type } : {}),
        };
        p.calls.push(call);
        if (fault) {
          res.writeHead(fault.status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": fault.type });
          res.end(JSON.stringify({ __type: fault.type, message: fault.message ?? "injected by the test's proxy" }));
          return;
        }
        const forward = () => {
          const up = request(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
            call.status = r.statusCode;
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          });
          up.on("error", (e) => {
            res.writeHead(502);
            res.end(String(e));
          });
          up.end(body);
        };
        const b = p.barrier;
        if (b?.op !== call.op) return forward();
        b.held.push(forward);
        if (b.held.length < b.count) return;
        p.barrier = undefined;
        for (const go of b.held) go();
      });
    });
    return new Promise((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        faults.proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
        resolve(faults.proxy);
      }),
    );
  }

  /** The next requests get these faults, in order. */
  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Holds the next `count` requests of `op` until all of them have arrived, then sends them on together. */
  together(op: string, count: number): void {
    this.barrier = { op, count, held: [] };
  }

  reset(): void {
    this.barrier = undefined;
    this.faults = [];
    this.calls.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const viaProxy = <T>(fn: () => Promise<T>) => withEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url }, fn);

// ---------------------------------------------------------------------------------------------

describe("what the store holds", () => {
  test("one secret per key: the PKCS#8 PEM, tagged, encrypted with the KMS key; a second run changes nothing; export reads it back", async () => {
    const { KeyMetadata: key } = await kms("CreateKey", { Description: "dkimctl test" });
    await kms("CreateAlias", { AliasName: "alias/dkim-test", TargetKeyId: key.KeyId });
    const prefix = newPrefix();
    const p = smProject(
      prefix,
      "  example.com:\n    selectors:\n      s1: { key: rsa-2048 }\n      e1: { key: ed25519 }",
      ", kmsKeyId: alias/dkim-test, tags: { team: mail }",
    );

    const r = await dkimctl("keys", "--config", p.config);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toMatch(/^generated rsa-2048 key for example\.com\/s1 \(sha256:[0-9a-f]{64}\)$/m);
    expect(r.out).toContain(`the private keys are in AWS Secrets Manager (${REGION}, secrets ${prefix}<domain>/<selector> of project ${PROJECT})`);

    const lock = lockOf(p.lock);
    const secrets = await secretsUnder(prefix);
    expect(secrets.map((s) => s.Name)).toEqual([`${prefix}example.com/e1`, `${prefix}example.com/s1`]);
    for (const s of secrets) {
      const selector = s.Name!.split("/").pop()!;
      const d = await sm.send(new DescribeSecretCommand({ SecretId: s.Name }));
      expect([key.Arn, key.KeyId, "alias/dkim-test"]).toContain(d.KmsKeyId);
      expect(tagsOf(d.Tags)).toEqual({
        team: "mail",
        "dkimctl:project": PROJECT,
        "dkimctl:domain": "example.com",
        "dkimctl:selector": selector,
        "dkimctl:algorithm": selector === "s1" ? "rsa-2048" : "ed25519",
        "dkimctl:fingerprint": lock["example.com"][selector].fingerprint,
      });
      const pem = await secretValue(s.Name!);
      expect(pem.startsWith(PEM_HEADER)).toBe(true);
      expect(pemFingerprint(pem)).toBe(lock["example.com"][selector].fingerprint);
    }

    const again = await dkimctl("keys", "--config", p.config);
    expect([again.code, again.err, again.out]).toEqual([0, "", "every generated selector has a key; nothing to do\n"]);
    // validate checks the store from its listing (the tags), and says so; where AWS cannot be reached it says it did not check.
    const v = await dkimctl("validate", "--config", p.config);
    expect([v.code, v.err]).toEqual([0, ""]);
    expect(v.out).toMatch(/^key store awsSecretsManager AWS Secrets Manager .*: ok: it holds the 2 keys the lock publishes, each matching it$/m);
    const away = await withEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:1" }, () => dkimctl("validate", "--config", p.config));
    expect([away.code, away.err]).toEqual([0, ""]);
    expect(away.out).toMatch(/^key store awsSecretsManager .*: not checked: listing the secrets named \S+: cannot reach AWS Secrets Manager in eu-west-1/m);
    expect(away.out).not.toMatch(/: ok: it holds/);
    expect(Object.values(await storedKeys(prefix)).map((k) => k.versions)).toEqual([1, 1]);

    const out = tempDir("dkimctl-sm-export-");
    const x = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
    expect([x.code, x.err]).toEqual([0, ""]);
    for (const s of secrets) expect(readFileSync(join(out, "example.com", `${s.Name!.split("/").pop()}.pem`), "utf8")).toBe(await secretValue(s.Name!));
  });

  test("create is create-only: of two creates the second returns false, and the first key stays", async () => {
    const spec = { kind: "awsSecretsManager", region: REGION, project: PROJECT, prefix: newPrefix(), tags: {} } as const;
    const [a, b] = [newPem(), newPem()];
    const store = new SecretsManagerKeyStore(spec);
    expect(await store.create("example.com", "s1", a)).toBe(true);
    expect(await store.create("example.com", "s1", b)).toBe(false);
    // A fresh instance reads AWS, not what the first one remembers.
    const fresh = new SecretsManagerKeyStore(spec);
    expect(await fresh.get("example.com", "s1")).toBe(a);
    expect(await fresh.get("example.com", "nope")).toBeUndefined();
    expect(await fresh.fingerprint("example.com", "s1")).toBe(pemFingerprint(a));

    // Several stores racing for one name: exactly one wins, and every one then reads the winner's key.
    const racers = Array.from({ length: 6 }, () => ({ store: new SecretsManagerKeyStore(spec), pem: newPem() }));
    const won = await Promise.all(racers.map((r) => r.store.create("example.com", "race", r.pem)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = racers[won.indexOf(true)].pem;
    for (const r of racers) expect(await r.store.get("example.com", "race")).toBe(winner);
    keysSeen.add(a).add(b);
    for (const r of racers) keysSeen.add(r.pem);

    // Secrets under the prefix that are not <domain>/<selector> in published form are not keys.
    const { CreateSecretCommand } = await import("@aws-sdk/client-secrets-manager");
    for (const name of ["notakey", "Example.com/s2", "example.com/s2/extra", "example.com/bad_sel"])
      await sm.send(new CreateSecretCommand({ Name: `${spec.prefix}${name}`, SecretString: "x" }));
    expect(await fresh.list()).toEqual([
      { domain: "example.com", selector: "race" },
      { domain: "example.com", selector: "s1" },
    ]);
  });

  test("a value put by hand (a second version) is checked from the key itself, not from the tag", async () => {
    const prefix = newPrefix();
    const p = smProject(prefix, "  example.com:\n    selectors:\n      s1: { key: ed25519 }");
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const { PutSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const other = newPem();
    keysSeen.add(other);
    await sm.send(new PutSecretValueCommand({ SecretId: `${prefix}example.com/s1`, SecretString: other }));
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `example.com/s1: the private key in AWS Secrets Manager (${REGION}, secrets ${prefix}<domain>/<selector> of project ${PROJECT}) does not match`,
    );
    expect(r.err).toContain(pemFingerprint(other));
  });

  test("listing goes past one page of 100 secrets", async () => {
    const spec = { kind: "awsSecretsManager", region: REGION, project: PROJECT, prefix: newPrefix(), tags: {} } as const;
    const pem = newPem();
    keysSeen.add(pem);
    const names = Array.from({ length: 130 }, (_, i) => ({ domain: `d${i % 3}.example.com`, selector: `s${i}` }));
    const writer = new SecretsManagerKeyStore(spec);
    for (let i = 0; i < names.length; i += 26) await Promise.all(names.slice(i, i + 26).map((n) => writer.create(n.domain, n.selector, pem)));
    proxy.reset();
    const listed = await viaProxy(() => new SecretsManagerKeyStore(spec).list());
    expect(listed).toHaveLength(130);
    expect(new Set(listed.map((k) => `${k.domain}/${k.selector}`))).toEqual(new Set(names.map((k) => `${k.domain}/${k.selector}`)));
    const pages = proxy.calls.filter((c) => c.op === "ListSecrets");
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[1].params.NextToken).toEqual(expect.any(String));
  });
});

describe("failures", () => {
  afterEach(() => proxy.reset());

  test("throttling and 5xx are retried: the run succeeds", async () => {
    const p = smProject(newPrefix(), "  example.com:\n    selectors:\n      s1: { key: ed25519 }\n      s2: { key: ed25519 }");
    proxy.reset();
    proxy.fail(THROTTLED, SERVER_ERROR, SERVER_ERROR, SERVER_ERROR);
    const r = await viaProxy(() => dkimctl("keys", "--config", p.config));
    expect([r.code, r.err]).toEqual([0, ""]);
    // The first request failed four times and went through on its fifth attempt; the rest once each.
    expect(proxy.calls.slice(0, 5).map((c) => [c.op, c.fault])).toEqual([
      ["ListSecrets", "ThrottlingException"],
      ["ListSecrets", "InternalServiceError"],
      ["ListSecrets", "InternalServiceError"],
      ["ListSecrets", "InternalServiceError"],
      ["ListSecrets", undefined],
    ]);
    expect(lockedNames(lockOf(p.lock))).toEqual(["example.com/s1", "example.com/s2"]);
  });

  test("a store that keeps failing: one line that says what to do, no stack trace, nothing written", async () => {
    const p = smProject(newPrefix(), "  example.com:\n    selectors:\n      s1: { key: ed25519 }");
    proxy.fail(...Array(20).fill(SERVER_ERROR));
    const r = await viaProxy(() => dkimctl("keys", "--config", p.config));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        /^error: listing the secrets named t\d+-\d+\/\*: AWS Secrets Manager failed 5 times in a row \(InternalServiceError\): /.source +
          /nothing more was written; run the command again later\n$/.source,
      ),
    );
    expect(proxy.calls.filter((c) => c.fault)).toHaveLength(5);
    expect(existsSync(p.lock)).toBe(false);
  });

  test("access denied names the permission; no credentials and an unreachable endpoint say what to do", async () => {
    const p = smProject(newPrefix(), "  example.com:\n    selectors:\n      s1: { key: ed25519 }");
    proxy.fail({
      status: 400,
      type: "AccessDeniedException",
      message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: secretsmanager:ListSecrets",
    });
    const denied = await viaProxy(() => dkimctl("keys", "--config", p.config));
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(
      /^error: listing the secrets named \S+: AWS refused \(AccessDeniedException: .*\): the identity in use needs secretsmanager:ListSecrets in eu-west-1\n$/,
    );
    expect(proxy.calls).toHaveLength(1); // not retried

    const noCredentials = await withEnv(
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: "/nonexistent/config",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
        AWS_EC2_METADATA_DISABLED: "true",
      },
      () => dkimctl("keys", "--config", p.config),
    );
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.err).toMatch(
      /^error: listing the secrets named \S+: no AWS credentials found \(.*\): give them the standard way \(AWS_ACCESS_KEY_ID .*\)\n$/,
    );

    const started = Date.now();
    const unreachable = await withEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:1" }, () => dkimctl("keys", "--config", p.config));
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(
      new RegExp(
        /^error: listing the secrets named \S+: cannot reach AWS Secrets Manager in eu-west-1 \(ECONNREFUSED\): /.source +
          /check the network, the region and AWS_ENDPOINT_URL_SECRETS_MANAGER if set\n$/.source,
      ),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(existsSync(p.lock)).toBe(false);
  });

  test("a secret scheduled for deletion keeps its name: a clear error, never a second key", async () => {
    const prefix = newPrefix();
    const p = smProject(prefix, "  example.com:\n    selectors:\n      s1: { key: ed25519 }");
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    await storedKeys(prefix);
    await sm.send(new DeleteSecretCommand({ SecretId: `${prefix}example.com/s1`, RecoveryWindowInDays: 7 }));
    // A clone without the lock (or a reverted one) asks for s1's key again.
    const clone = smProject(prefix, "  example.com:\n    selectors:\n      s1: { key: ed25519 }");
    const r = await dkimctl("keys", "--config", clone.config);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: the secret ${prefix}example.com/s1 is scheduled for deletion (dkimctl keys prune, or by hand): a selector never gets a second key; ` +
        `if the selector is still in use, restore it with 'aws secretsmanager restore-secret --secret-id ${prefix}example.com/s1', ` +
        "else give domains.yaml a new selector\n",
    );
    expect(existsSync(clone.lock)).toBe(false);
    expect((await secretsUnder(prefix, true)).map((s) => Object.keys(s.SecretVersionsToStages ?? {}).length)).toEqual([1]);
  });
});

// ---------------------------------------------------------------------------------------------

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** The real bin, as users and CI run it. */
function bin(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "dkimctl.js"), ...args], { cwd: ROOT, env: { ...process.env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      said.push(out, err);
      resolve({ code, out, err });
    });
  });
}

test("two clones run keys at once against one store: each selector gets one secret, and both locks hold it", async () => {
  const prefix = newPrefix();
  const domains = [0, 1]
    .map(
      (d) =>
        `  d${d}.example.com:\n    selectors:\n${Array.from({ length: 20 }, (_, i) => `      s${i}: { key: ${i < 2 ? "rsa-2048" : "ed25519"} }`).join("\n")}`,
    )
    .join("\n");
  const [a, b] = [smProject(prefix, domains), smProject(prefix, domains)];
  // Both runs' first CreateSecret (the same selector) reach the store at once: one must lose.
  proxy.reset();
  proxy.together("CreateSecret", 2);
  const runs = await viaProxy(() => Promise.all([bin(["keys", "--quiet", "--config", a.config]), bin(["keys", "--quiet", "--config", b.config])]));
  for (const r of runs) expect([r.code, r.err]).toEqual([0, ""]);
  const creates = proxy.calls.filter((c) => c.op === "CreateSecret");
  expect(creates.filter((c) => c.status === 200)).toHaveLength(40);
  expect(creates.filter((c) => c.status !== 200).length).toBeGreaterThanOrEqual(1);
  proxy.reset();
  const made = runs.flatMap((r) => [...r.out.matchAll(/^(generated|recovered) \S+ key for (\S+) \((sha256:[0-9a-f]+)\)$/gm)]);
  expect(made.filter((m) => m[1] === "generated")).toHaveLength(40);
  const [lockA, lockB] = [lockOf(a.lock), lockOf(b.lock)];
  expect(lockedNames(lockA)).toHaveLength(40);
  // The same key for every selector (a recovered key's `created` is when that clone recorded it).
  const keysOf = (l: Locked) => Object.fromEntries(lockedNames(l).map((n) => [n, l[n.split("/")[0]][n.split("/")[1]].fingerprint]));
  expect(keysOf(lockB)).toEqual(keysOf(lockA));
  const stored = await storedKeys(prefix);
  expect(Object.keys(stored).sort()).toEqual(lockedNames(lockA));
  for (const [name, k] of Object.entries(stored)) {
    const [domain, selector] = name.split("/");
    expect({ name, ...k }).toEqual({ name, fingerprint: lockA[domain][selector].fingerprint, versions: 1 });
  }
  for (const [, , name, fp] of made) expect(fp).toBe(stored[name].fingerprint);
});

// ---------------------------------------------------------------------------------------------

describe("keys prune", () => {
  const ROTATED =
    "  example.com:\n    rotation: { keys: [ed25519], every: 2d, publishAhead: 1d, retireAfter: 1d, revokeFor: 1d }\n" +
    "  mail.example.com:\n    selectors:\n      keep1: { key: ed25519 }";
  const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().replace(/\.000Z$/, "Z");

  test("rotate tags removed keys; prune tags strays, untags keys in use, deletes only what is older, always with a recovery window", async () => {
    const prefix = newPrefix();
    const p = smProject(prefix, ROTATED);
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    let removed: [string, { removed?: string }] | undefined;
    for (let n = 0; n < 12 && !removed; n++) {
      const r = await dkimctl("rotate", "--config", p.config, "--now", day(n));
      expect([r.code, r.err]).toEqual([0, ""]);
      removed = Object.entries(lockOf(p.lock)["example.com"] ?? {}).find(([, e]) => e.state === "removed");
    }
    expect(removed).toBeDefined();
    const [gone, { removed: removedAt }] = removed!;
    const goneName = `${prefix}example.com/${gone}`;
    expect(tagsOf((await sm.send(new DescribeSecretCommand({ SecretId: goneName }))).Tags)["dkimctl:removed"]).toBe(removedAt);

    // A stray key (a run whose lock was lost, for a selector since deleted), and keep1 tagged by mistake.
    const store = new SecretsManagerKeyStore({ kind: "awsSecretsManager", region: REGION, project: PROJECT, prefix, tags: {} });
    const stray = newPem();
    keysSeen.add(stray);
    expect(await store.create("mail.example.com", "gone1", stray)).toBe(true);
    await sm.send(new TagResourceCommand({ SecretId: `${prefix}mail.example.com/keep1`, Tags: [{ Key: "dkimctl:removed", Value: day(0) }] }));
    const before = await storedKeys(prefix);

    const dry = await dkimctl("keys", "prune", "--older-than", "30d", "--dry-run", "--config", p.config);
    expect([dry.code, dry.err]).toEqual([0, ""]);
    expect(dry.out).toContain(`example.com/${gone}: would be deleted`);
    expect(await storedKeys(prefix)).toEqual(before);
    expect(tagsOf((await sm.send(new DescribeSecretCommand({ SecretId: `${prefix}mail.example.com/gone1` }))).Tags)["dkimctl:removed"]).toBeUndefined();

    proxy.reset();
    const r = await viaProxy(() => dkimctl("keys", "prune", "--older-than", "30d", "--config", p.config));
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toMatch(
      new RegExp(
        `^example\\.com/${gone}: deleted \\(removed .* ago\\); ` +
          `recoverable until \\S+ with 'aws secretsmanager restore-secret --region ${REGION} --secret-id ${goneName}'$`,
        "m",
      ),
    );
    expect(r.out).toMatch(/^mail\.example\.com\/gone1: tagged removed at \S+ \(in neither .*domains\.yaml nor .*dkim\.lock\.yaml\)$/m);
    expect(r.out).toMatch(/^mail\.example\.com\/gone1: kept: removed 0s ago; deletable from \S+$/m);
    // The lock still holds keep1: the mark comes off before anything is deleted.
    expect(r.out).toMatch(/^\S+\/mail\.example\.com\/keep1: was marked removed by a prune, but the lock still uses it: mark taken off$/m);
    expect(r.out).toMatch(/^deleted 1 removed key \(older than 4w 2d\); kept 1$/m);
    const deletes = proxy.calls.filter((c) => c.op === "DeleteSecret");
    expect(deletes.map((c) => c.params)).toEqual([{ SecretId: goneName, RecoveryWindowInDays: 30 }]);
    expect(proxy.calls.map((c) => c.op)).not.toContain("ForceDeleteWithoutRecovery");

    // Deleted means scheduled: recoverable, and restored it is the same key.
    const [planned] = (await secretsUnder(prefix, true)).filter((s) => s.Name === goneName);
    expect(planned.DeletedDate).toBeInstanceOf(Date);
    expect((await secretsUnder(prefix)).map((s) => s.Name)).not.toContain(goneName);
    await sm.send(new RestoreSecretCommand({ SecretId: goneName }));
    expect(pemFingerprint(await secretValue(goneName))).toBe(before[`example.com/${gone}`].fingerprint);
    const tags = async (name: string) => tagsOf((await sm.send(new DescribeSecretCommand({ SecretId: `${prefix}${name}` }))).Tags);
    expect((await tags("mail.example.com/keep1"))["dkimctl:removed"]).toBeUndefined();

    // The stray's tag ages past the limit; the next prune deletes it, with the window asked for.
    await sm.send(new TagResourceCommand({ SecretId: `${prefix}mail.example.com/gone1`, Tags: [{ Key: "dkimctl:removed", Value: day(0) }] }));
    proxy.reset();
    const again = await viaProxy(() => dkimctl("keys", "prune", "--older-than", "30d", "--recovery-window", "7", "--config", p.config));
    expect([again.code, again.err]).toEqual([0, ""]);
    expect(proxy.calls.filter((c) => c.op === "DeleteSecret").map((c) => c.params)).toEqual([
      { SecretId: goneName, RecoveryWindowInDays: 7 },
      { SecretId: `${prefix}mail.example.com/gone1`, RecoveryWindowInDays: 7 },
    ]);
    // Every key still in use stays, and the project still works.
    const left = Object.keys(await storedKeys(prefix)).sort();
    expect(left).toEqual(lockedNames(lockOf(p.lock)).filter((n) => n !== `example.com/${gone}`));
    const x = await dkimctl("export", "--format", "pem", "--out", tempDir("dkimctl-sm-export-"), "--config", p.config);
    expect([x.code, x.err]).toEqual([0, ""]);
  });

  test("the local store refuses, changing nothing; bad options are usage errors", async () => {
    const p = tempProject("version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com:\n    selectors:\n      s1: { key: ed25519 }\n");
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const before = snapshotTree(p.dir);
    const r = await dkimctl("keys", "prune", "--older-than", "30d", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "error: keys prune deletes keys only from a store that tags removed keys (awsSecretsManager); " +
        `${p.config} keeps keys in ${p.store}, where a removed selector's key stays until you delete its file by hand (dkimctl never deletes one)\n`,
    );
    expect(snapshotTree(p.dir)).toEqual(before);
    for (const args of [
      [],
      ["--older-than", "0s"],
      ["--older-than", "30 days"],
      ["--older-than", "30d", "--recovery-window", "5"],
      ["--older-than", "30d", "--recovery-window", "31"],
    ]) {
      const u = await dkimctl("keys", "prune", ...args, "--config", p.config);
      expect([args, u.code]).toEqual([args, 2]);
    }
    expect(snapshotTree(p.dir)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------

test("DKIM end to end: keys into Secrets Manager, export --format pem, sign, and verify against the synthesized records", async () => {
  const prefix = newPrefix();
  const p = smProject(prefix, "  example.com:\n    selectors:\n      r1: { key: rsa-2048 }\n      e1: { key: ed25519 }");
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  const out = tempDir("dkimctl-sm-export-");
  expect((await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config)).code).toBe(0);
  const outdir = tempDir("dkimctl-sm-synth-");
  const synth = synthApp(p.config, outdir);
  if (synth.code !== 0) throw new Error(`main.ts synth exited ${synth.code}: ${synth.err}`);
  const doc = JSON.parse(readFileSync(join(outdir, "stacks", "example-com", "cdk.tf.json"), "utf8"));
  // Route53: one value, character-strings joined with "" (DKIM values need no escapes).
  const txt: Record<string, string[][]> = {};
  for (const rec of Object.values(doc.resource.aws_route53_record) as { name: string; type: string; records: string[] }[])
    if (rec.type === "TXT") txt[rec.name] = [rec.records[0].split('""')];
  expect(Object.keys(txt).sort()).toEqual(["e1._domainkey.example.com", "r1._domainkey.example.com"]);
  for (const [selector, algorithm] of [
    ["r1", "rsa"],
    ["e1", "ed25519"],
  ] as const) {
    const pem = readFileSync(join(out, "example.com", `${selector}.pem`), "utf8");
    expect(pem).toBe(await secretValue(`${prefix}example.com/${selector}`));
    const signed = await signMessage({ privateKeyPem: pem, domain: "example.com", selector, algorithm });
    const [mailauth, dkimpy] = await Promise.all([mailauthVerify(signed, { txt }), dkimpyVerify(signed, { txt })]);
    expect({ selector, mailauth: mailauth.ok || mailauth.detail, dkimpy: dkimpy.ok || dkimpy.detail }).toEqual({ selector, mailauth: true, dkimpy: true });
  }
  expect(readdirSync(join(out, "example.com")).sort()).toEqual(["e1.pem", "r1.pem"]);
});

test("no output of any run above holds key material", () => {
  expect(keysSeen.size).toBeGreaterThan(40);
  expect(said.length).toBeGreaterThan(40);
  expect(findSecrets(said.join("\n"), [...keysSeen])).toEqual([]);
});
