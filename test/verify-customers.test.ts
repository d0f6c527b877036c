/**
 * `dkimctl verify` in signing-provider mode, end to end: a project with
 * customers in domains.yaml and their keys made by `dkimctl keys`; knot
 * serves our key zone (each target's key record, from the lock) and the
 * customers' zones behind unbound. The gate moves with the CNAMEs and the
 * clock (--now): pending, switched on, lapsed, dropped after the grace period.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { slotTarget } from "../src/dkim/target";
import { keyType, type KeyAlgorithm } from "../src/dkim/keys";
import { keyRecordValue } from "../src/dkim/record";
import { startWorld, type World } from "./support/delegation-world";
import { dkimctl, tempProject } from "./support/project";

const YAML = `version: 1
zones:
  esp.test: { provider: route53 }
customers:
  esp.test:
    key: ed25519
    domains:
      gate.test:
      good.test:
`;

let world: World;
let project: ReturnType<typeof tempProject>;
const target = (customer: string, slot: string) => slotTarget(customer, slot, "esp.test");
const cname = (slot: string, customer: string) => ({ name: `${slot}._domainkey`, type: "CNAME" as const, ttl: 60, value: target(customer, slot) });

beforeAll(async () => {
  project = tempProject(YAML);
  expect((await dkimctl("keys", "--config", project.config)).code).toBe(0);
  const lock = parse(readFileSync(project.lock, "utf8")) as { customers: Record<string, Record<string, { algorithm: KeyAlgorithm; publicKey: string }>> };
  const keyOf = (customer: string, slot: string) => {
    const k = lock.customers[customer][slot];
    return { target: target(customer, slot), expected: keyRecordValue(keyType(k.algorithm), k.publicKey) };
  };
  world = await startWorld({ "gate.test": {}, "good.test": { records: () => [cname("esp1", "good.test"), cname("esp2", "good.test")] } }, { keyOf });
}, 120_000);
afterAll(() => world?.stop());

const verify = (now: string, ...more: string[]) =>
  dkimctl(
    "verify",
    "--config",
    project.config,
    "--resolver",
    world.unbound.address,
    ...[...world.nsAddresses].flatMap(([ns, s]) => ["--ns-address", `${ns}=${s.host}:${s.port}`]),
    "--now",
    now,
    ...more,
  );

test("the gate through the command: pending never switched on; switched on when the CNAMEs appear; lapsed, then dropped after the grace period", async () => {
  const first = await verify("2026-03-01T00:00:00Z");
  expect(first.code).toBe(0);
  expect(first.out).toContain("pending (2 slots)\n  esp1._domainkey.gate.test: no such name (NXDOMAIN)\n");
  expect(first.out).toContain(`    fix: create esp1._domainkey CNAME ${target("gate.test", "esp1")} at your DNS host\n`);
  expect(first.out).toContain("switched on: good.test (every slot delegated)");
  const statusFile = join(project.dir, "dkim.status.json");
  expect(existsSync(statusFile)).toBe(true);
  const gate = () => JSON.parse(readFileSync(statusFile, "utf8")).customers["gate.test"].gate;
  expect(gate()).toBe("waiting");

  await world.setCustomerRecords("gate.test", [cname("esp1", "gate.test"), cname("esp2", "gate.test")]);
  const on = await verify("2026-03-01T01:00:00Z", "--format", "json");
  expect(on.code).toBe(0);
  const json = JSON.parse(on.out);
  expect(json.delegation.events).toEqual([{ customer: "gate.test", kind: "switched-on", why: "" }]);
  expect(json.delegation.customers.map((c: { customer: string; signing: boolean }) => [c.customer, c.signing])).toEqual([
    ["gate.test", true],
    ["good.test", true],
  ]);

  await world.setCustomerRecords("gate.test", []);
  const lapsed = await verify("2026-03-01T02:00:00Z");
  expect(lapsed.code).toBe(1);
  expect(lapsed.err).toContain("error: newly lapsed (still signed for, for the grace period): gate.test\n");
  expect(gate()).toBe("lapsed");
  const dropped = await verify("2026-03-06T02:00:00Z", "--format", "html");
  expect(dropped.code).toBe(1);
  expect(dropped.err).toContain("error: dropped from the signer's tables: gate.test\n");
  expect(dropped.out).toMatch(/^<!doctype html>/);
  expect(gate()).toBe("dropped");
});

test("customer options on a config without customers, and a bad --grace, are usage errors (exit 2)", async () => {
  const plain = tempProject(
    "version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com: { selectors: { s1: { cname: s1.dkim.provider.example } } }\n",
  );
  const r = await dkimctl("verify", "--config", plain.config, "--grace", "2d");
  expect([r.code, r.err]).toEqual([2, expect.stringContaining("--grace applies to customers, and ")]);
  const bad = await dkimctl("verify", "--config", project.config, "--grace", "soon");
  expect([bad.code, bad.err]).toEqual([2, expect.stringContaining("--grace must be a duration such as 90s")]);
});
