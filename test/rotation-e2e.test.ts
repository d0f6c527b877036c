/**
 * Two full key rotations, end to end: `dkimctl rotate` at simulated times,
 * `dkimctl deploy` with the real AWS provider against the Route53 stand-in,
 * the zones served by knot, and at each step a message signed with the
 * signer's current key verifies in mailauth and dkimpy, while a message
 * signed with the previous key keeps verifying until its retirement ends.
 * check-plan passes every plan on the way and refuses a stale one.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { cdktfProject, projectCommand } from "./support/cdktf-project";
import { type DnsServer, startDnsServer } from "./support/dns-server";
import { dkimctl, tempDir } from "./support/project";
import { Route53Endpoint } from "./support/route53-endpoint";
import { requireTerraform, terraform, terraformEnv } from "./support/terraform";
import { dkimpyVerify, mailauthVerify, signMessage } from "./support/verifiers";

jest.setTimeout(900_000);

const YAML = `version: 1
defaults:
  rotation: { every: 30d, publishAhead: 2d, retireAfter: 5d, revokeFor: 10d, keys: [rsa-2048, ed25519] }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
  example.com: {}
`;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

let endpoint: Route53Endpoint;
let dns: DnsServer;
let project: ReturnType<typeof cdktfProject>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireTerraform();
  endpoint = await Route53Endpoint.start({ pendingPolls: 0 });
  endpoint.createZone("example.com", { id: "Z0123456789ABCDEFGHIJ" });
  dns = await startDnsServer([{ name: "example.com", zoneFile: endpoint.zoneFile("Z0123456789ABCDEFGHIJ") }]);
  project = cdktfProject(YAML);
  env = terraformEnv(endpoint.env());
});
afterAll(async () => {
  await dns?.stop();
  await endpoint?.stop();
});

const lock = () => parse(readFileSync(project.lock, "utf8")).keys["example.com"] as Record<string, { algorithm: string; state: string }>;
const stateOf = () => Object.fromEntries(Object.entries(lock()).map(([s, e]) => [s, e.state]));
const recordNames = async () =>
  (JSON.parse((await dkimctl("records", "--format", "json", "--config", project.config)).out) as { name: string }[]).map((r) => r.name);

async function rotateAt(days: number) {
  const r = await dkimctl("rotate", "--config", project.config, "--now", new Date(T0 + days * DAY).toISOString());
  expect({ days, code: r.code, err: r.err }).toEqual({ days, code: 0, err: "" });
  return r.out;
}

/** Synth, plan, check-plan, apply (as the deploy workflow does, through dkimctl deploy), then serve the zone. */
async function deploy() {
  const synth = await projectCommand(["synth"], { cwd: project.dir, env });
  expect(synth.code).toBe(0);
  const dir = join(project.dir, "cdktf.out", "stacks", "example-com");
  terraform(["init", "-input=false", "-no-color"], { cwd: dir, env });
  const plan = terraform(["plan", "-input=false", "-no-color", "-out=tfplan"], { cwd: dir, env });
  expect(plan.status).toBe(0);
  writeFileSync(join(dir, "plan.json"), terraform(["show", "-json", "tfplan"], { cwd: dir, env }).stdout);
  const check = await dkimctl("check-plan", join(dir, "plan.json"), "--config", project.config);
  expect({ code: check.code, err: check.err }).toEqual({ code: 0, err: "" });
  const r = await projectCommand(["deploy", "example-com", "--auto-approve"], { cwd: project.dir, env });
  expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
  await dns.reload([{ name: "example.com", zoneFile: endpoint.zoneFile("Z0123456789ABCDEFGHIJ") }]);
  const v = await dkimctl("verify", "--config", project.config, "--resolver", dns.address);
  expect({ code: v.code, out: v.code === 0 ? "" : v.out }).toEqual({ code: 0, out: "" });
}

/** The signer's current keys: the SigningTable entries of the OpenDKIM export (active keys only). */
async function signerKeys(): Promise<{ selector: string; algorithm: "rsa" | "ed25519"; pem: string }[]> {
  const out = tempDir();
  const ex = await dkimctl("export", "--format", "opendkim", "--out", out, "--config", project.config);
  expect(ex.code).toBe(0);
  const keys = [];
  for (const [sub, algorithm] of [
    ["", "rsa"],
    ["ed25519", "ed25519"],
  ] as const) {
    const table = readFileSync(join(out, sub, "KeyTable"), "utf8");
    for (const line of readFileSync(join(out, sub, "SigningTable"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))) {
      const name = line.split(" ")[1];
      const file = new RegExp(`^${name.replace(/\./g, "\\.")} [^:]+:[^:]+:(\\S+)$`, "m").exec(table)![1];
      keys.push({ selector: name.split(".")[0], algorithm, pem: readFileSync(resolve(out, file), "utf8") });
    }
  }
  return keys;
}

/** Whether a message signed with the key verifies against the served DNS; both verifiers must agree. */
async function verifies(key: { selector: string; algorithm: "rsa" | "ed25519"; pem: string }): Promise<boolean> {
  const signed = await signMessage({ privateKeyPem: key.pem, domain: "example.com", selector: key.selector, algorithm: key.algorithm });
  const lookup = { dns: { host: dns.host, port: dns.port } };
  const [a, b] = await Promise.all([mailauthVerify(signed, lookup), dkimpyVerify(signed, lookup)]);
  expect({ selector: key.selector, dkimpy: b.ok }).toEqual({ selector: key.selector, dkimpy: a.ok });
  return a.ok;
}

type Key = { selector: string; algorithm: "rsa" | "ed25519"; pem: string };

test("two full rotations keep mail verifying at every step", async () => {
  // Day 0: the first keys, published ahead of use; nothing signs with them yet.
  expect(await rotateAt(0)).toContain("s202601a (rsa-2048) new -> pending: first key");
  await deploy();
  expect(await signerKeys()).toEqual([]);

  let retiring: Key[] = [];
  for (const [round, promote] of [
    [0, 2],
    [1, 32],
    [2, 62],
  ] as const) {
    // A pending key becomes the signer's key once published for publishAhead; no record changes.
    const before = await recordNames();
    await rotateAt(promote);
    expect(await recordNames()).toEqual(before);
    const current = await signerKeys();
    expect(current.map((k) => k.algorithm).sort()).toEqual(["ed25519", "rsa"]);
    for (const k of current) expect(await verifies(k)).toBe(true);
    // The key it replaced keeps verifying while it is retiring (mail in transit).
    for (const k of retiring) {
      expect(stateOf()[k.selector]).toBe("retiring");
      expect(await verifies(k)).toBe(true);
    }
    if (round > 0) {
      // retireAfter later: revoked (empty p=), and signatures made with it fail.
      await rotateAt(promote + 5);
      await deploy();
      for (const k of retiring) {
        expect(stateOf()[k.selector]).toBe("revoked");
        expect(await verifies(k)).toBe(false);
      }
      for (const k of current) expect(await verifies(k)).toBe(true);
      // revokeFor later: the record leaves DNS.
      await rotateAt(promote + 15);
      await deploy();
      const names = await recordNames();
      for (const k of retiring) {
        expect(stateOf()[k.selector]).toBe("removed");
        expect(names).not.toContain(`${k.selector}._domainkey.example.com`);
      }
    }
    if (round === 2) break;
    // publishAhead before the key is `every` old, the next key is made and published.
    await rotateAt(promote + 28);
    expect(Object.values(stateOf()).filter((st) => st === "pending")).toHaveLength(2);
    await deploy();
    for (const k of current) expect(await verifies(k)).toBe(true);
    if (round === 0) await staleLockPlanIsRefused();
    retiring = current;
  }
  // No selector name was ever reused.
  expect(Object.keys(lock()).sort()).toEqual(["e202601a", "e202601b", "e202603a", "s202601a", "s202601b", "s202603a"]);
});

/** A plan made from the lock before the last rotation would delete the new pending records: check-plan refuses it. */
async function staleLockPlanIsRefused() {
  const dir = join(project.dir, "cdktf.out", "stacks", "example-com");
  const saved = join(project.dir, "lock.now");
  copyFileSync(project.lock, saved);
  const pending = Object.entries(stateOf())
    .filter(([, st]) => st === "pending")
    .map(([sel]) => sel);
  const doc = parse(readFileSync(project.lock, "utf8"));
  for (const sel of pending) delete doc.keys["example.com"][sel];
  writeFileSync(project.lock, JSON.stringify(doc));
  try {
    expect((await projectCommand(["synth"], { cwd: project.dir, env })).code).toBe(0);
    expect(terraform(["plan", "-input=false", "-no-color", "-out=stale.tfplan"], { cwd: dir, env }).status).toBe(0);
    writeFileSync(join(dir, "stale.json"), terraform(["show", "-json", "stale.tfplan"], { cwd: dir, env }).stdout);
  } finally {
    copyFileSync(saved, project.lock);
  }
  const check = await dkimctl("check-plan", join(dir, "stale.json"), "--config", project.config);
  expect(check.code).toBe(1);
  for (const sel of pending) expect(check.err).toContain(`the plan deletes the record of pending selector ${sel} of example.com`);
}
