/**
 * keys migrate: every key copied to another store with its fingerprint
 * checked there, the source and the lock unchanged, a rerun a no-op, and a
 * target that holds another key refused.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dkimctl, tempDir, tempProject } from "./support/project";
import { MotoServer, requireMoto } from "./support/moto";
import { snapshotTree } from "./support/tree";

const YAML = `version: 1
zones:
  example.com: { provider: route53 }
domains:
  example.com:
    selectors:
      s1: { key: rsa-2048 }
      e1: { key: ed25519 }
  mail.example.com: { rotation: { keys: [ed25519] } }
`;

function ageKeygen() {
  const file = join(tempDir("dkimctl-age-id-"), "key.txt");
  expect(spawnSync("age-keygen", ["-o", file]).status).toBe(0);
  return { file, recipient: spawnSync("age-keygen", ["-y", file], { encoding: "utf8" }).stdout.trim() };
}

async function keyedProject() {
  const p = tempProject(YAML);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  expect((await dkimctl("rotate", "--config", p.config, "--now", "2026-01-01T00:00:00Z")).code).toBe(0);
  return p;
}

/** The private keys an export of the project gives (what the signer would get). */
async function exported(config: string): Promise<string> {
  const out = join(tempDir(), "export");
  const r = await dkimctl("export", "--format", "json", "--out", out, "--config", config);
  expect(r.err).toBe("");
  return readFileSync(join(out, "keys.json"), "utf8");
}

test("local to age: the same keys, the lock and the source unchanged; a rerun copies nothing", async () => {
  const p = await keyedProject();
  const id = ageKeygen();
  const before = await exported(p.config);
  const source = snapshotTree(p.store);
  const lock = readFileSync(p.lock, "utf8");
  const to = `{ age: { dir: dkim-keys, recipients: [${id.recipient}] } }`;
  const r = await dkimctl("keys", "migrate", "--to", to, "--config", p.config);
  expect(r.err).toBe("");
  expect(r.out).toMatch(/^3 keys copied to .*dkim-keys, 0 already there; .* is unchanged\./m);
  expect(snapshotTree(p.store)).toEqual(source);
  expect(readFileSync(p.lock, "utf8")).toBe(lock);
  expect((await dkimctl("keys", "migrate", "--to", to, "--config", p.config)).out).toMatch(/^0 keys copied to .*, 3 already there/m);
  // Switch the project to the age store: with only the identity, the export is the same keys.
  writeFileSync(p.config, `${YAML}keyStore: ${to}\n`);
  process.env.DKIMCTL_AGE_IDENTITY_FILE = id.file;
  try {
    expect((await dkimctl("validate", "--config", p.config)).code).toBe(0);
    expect(await exported(p.config)).toBe(before);
  } finally {
    delete process.env.DKIMCTL_AGE_IDENTITY_FILE;
  }
});

test("local to AWS Secrets Manager (moto): the same keys come back out", async () => {
  requireMoto();
  const moto = await MotoServer.start();
  const saved = { ...process.env };
  try {
    Object.assign(process.env, moto.env(), { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url });
    const p = await keyedProject();
    const before = await exported(p.config);
    const to = "{ awsSecretsManager: { region: us-east-1, project: migrate-tests, prefix: dkim/ } }";
    const r = await dkimctl("keys", "migrate", "--to", to, "--config", p.config);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/^3 keys copied/m);
    writeFileSync(p.config, `${YAML}keyStore: ${to}\n`);
    expect(await exported(p.config)).toBe(before);
  } finally {
    process.env = saved;
    await moto.stop();
  }
});

test("a target that holds another key for a selector is refused; a bad --to is a usage error", async () => {
  const p = await keyedProject();
  const other = tempProject(YAML);
  // Another project's keys in the target directory, under the same names.
  expect((await dkimctl("keys", "--config", other.config)).code).toBe(0);
  const r = await dkimctl("keys", "migrate", "--to", `{ local: { dir: ${other.store} } }`, "--config", p.config);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/example.com\/e1: .* already holds another key for it .* a selector never gets a second key/);
  for (const bad of ["nope", "{ age: { dir: x, recipients: [nope] } }", "{ local: {}, age: {} }"]) {
    const u = await dkimctl("keys", "migrate", "--to", bad, "--config", p.config);
    expect([bad, u.code]).toEqual([bad, 2]);
  }
  expect((await dkimctl("keys", "migrate", "--to", `{ local: { dir: ${p.store} } }`, "--config", p.config)).err).toMatch(
    /the target is the store the keys are in/,
  );
});
