/**
 * The delegation check against real servers: knot serving a registry, two
 * DNS hosts and our key zone, unbound resolving as receivers do. Every
 * state a customer slot can be in is seeded, and each is classified
 * exactly, through the resolver and from the customers' own name servers.
 */
import { join } from "node:path";
import { delegationSettings, verifyDelegations } from "../src/cli/delegation-verify";
import type { DelegationJson } from "../src/cli/delegation-report";
import { checkSlots } from "../src/delegation/check";
import { readStatus } from "../src/delegation/status-file";
import type { SlotResult } from "../src/delegation/slot";
import { generateKeyPair } from "../src/dkim/keys";
import { keyRecordValue } from "../src/dkim/record";
import { type CustomerSeed, nameOf, startWorld, targetOf, type World } from "./support/delegation-world";
import { tempDir } from "./support/project";

const otherKey = keyRecordValue("ed25519", generateKeyPair("ed25519").publicKey);
const cname = (slot: string, target: string) => ({ name: `${slot}._domainkey`, type: "CNAME" as const, ttl: 60, value: target });

/** Each customer's seed, and the state and reason each of its slots must get (recursive; `auth` where --authoritative differs). */
const CASES: Record<string, { seed: CustomerSeed; esp1: [string, string]; esp2: [string, string]; auth?: Record<string, [string, string]> }> = {
  "good.test": {
    seed: { records: (s) => [cname("esp1", s.esp1.target), cname("esp2", s.esp2.target)] },
    esp1: ["delegated", "cname"],
    esp2: ["delegated", "cname"],
  },
  "pending.test": {
    // esp2: a name below the slot exists, so the slot is an empty non-terminal (NODATA).
    seed: { records: () => [{ name: "x.esp2._domainkey", type: "TXT", ttl: 60, value: "x" }] },
    esp1: ["pending", "nxdomain"],
    esp2: ["pending", "nodata"],
  },
  "crossed.test": {
    seed: { records: (s) => [cname("esp1", s.esp2.target), cname("esp2", s.esp1.target)] },
    esp1: ["wrong-target", "other-slot"],
    esp2: ["wrong-target", "other-slot"],
  },
  "typo.test": {
    seed: { records: (s) => [cname("esp1", s.esp1.target.replace("keys", "kyes")), cname("esp2", `${s.esp2.target}.typo.test`)] },
    esp1: ["wrong-target", "near-miss"],
    esp2: ["wrong-target", "appended-domain"],
  },
  "others.test": {
    seed: { records: () => [cname("esp1", "abcdefgh1234._domainkey.dkim.amazonses.com"), cname("esp2", "dkim.example.net")] },
    esp1: ["wrong-target", "other-provider"],
    esp2: ["wrong-target", "elsewhere"],
  },
  "doubled.test": {
    seed: { records: (s) => [{ ...cname("esp1", s.esp1.target), name: "esp1._domainkey.doubled.test.doubled.test." }, cname("esp2", s.esp2.target)] },
    esp1: ["doubled-name", "doubled-name"],
    esp2: ["delegated", "cname"],
  },
  "conflict.test": {
    seed: {
      records: (s) => [
        { name: "esp1._domainkey", type: "TXT", ttl: 60, value: otherKey },
        { name: "esp2._domainkey", type: "TXT", ttl: 60, value: s.esp2.target },
      ],
    },
    esp1: ["conflicting", "other-key"],
    esp2: ["conflicting", "target-as-txt"],
  },
  "flat.test": {
    seed: {
      records: (s) => [
        { name: "esp1._domainkey", type: "TXT", ttl: 60, value: s.esp1.expected },
        { name: "esp2._domainkey", type: "A", ttl: 60, value: "192.0.2.1" },
      ],
    },
    esp1: ["flattened", "key-copied"],
    esp2: ["conflicting", "other-records"],
  },
  "loop.test": {
    seed: { records: (s) => [cname("esp1", "a.loop.test"), { ...cname("a", "esp1._domainkey.loop.test"), name: "a" }, cname("esp2", s.esp2.target)] },
    esp1: ["broken", "cname-loop"],
    esp2: ["delegated", "cname"],
  },
  "signed.test": {
    seed: { expiredSignatures: true, records: (s) => [cname("esp1", s.esp1.target), cname("esp2", s.esp2.target)] },
    esp1: ["broken", "dnssec"],
    esp2: ["broken", "dnssec"],
    // The customer's servers serve the CNAMEs; only a validating resolver sees the signatures expired.
    auth: { esp1: ["delegated", "cname"], esp2: ["delegated", "cname"] },
  },
  "lame.test": { seed: { lame: true }, esp1: ["broken", "lame-delegation"], esp2: ["broken", "lame-delegation"] },
  "missing.test": {
    seed: { hostB: true, delegated: false, records: (s) => [cname("esp1", s.esp1.target), cname("esp2", s.esp2.target)] },
    esp1: ["broken", "not-delegated"],
    esp2: ["broken", "not-delegated"],
  },
  "moved.test": {
    seed: { movedTo: (s) => [cname("esp1", s.esp1.target), cname("esp2", s.esp2.target)] },
    esp1: ["broken", "undelegated-host"],
    esp2: ["broken", "undelegated-host"],
  },
  "ours.test": {
    seed: { noKeyServed: true, records: (s) => [cname("esp1", s.esp1.target), cname("esp2", s.esp2.target)] },
    esp1: ["broken", "target-not-served"],
    esp2: ["broken", "target-not-served"],
  },
  "txt.test": {
    seed: {
      delegation: "txt",
      records: (s) => [
        { name: "esp1._domainkey", type: "TXT", ttl: 60, value: s.esp1.expected },
        { name: "esp2._domainkey", type: "TXT", ttl: 60, value: otherKey },
      ],
    },
    esp1: ["delegated", "key"],
    esp2: ["conflicting", "other-key"],
  },
  "txtpending.test": { seed: { delegation: "txt" }, esp1: ["pending", "nxdomain"], esp2: ["pending", "nxdomain"] },
  // The gate's customer (the last test makes and removes its records).
  "gate.test": { seed: {}, esp1: ["pending", "nxdomain"], esp2: ["pending", "nxdomain"] },
};

let world: World;
beforeAll(async () => {
  world = await startWorld(Object.fromEntries(Object.entries(CASES).map(([c, v]) => [c, v.seed])));
}, 60_000);
afterAll(() => world?.stop());

const table = (results: readonly SlotResult[]) =>
  Object.fromEntries(results.map((r) => [`${r.customer}/${r.slot}`, [r.state, r.reason]]).sort(([a], [b]) => String(a).localeCompare(String(b))));

const expectedTable = (mode: "recursive" | "authoritative") =>
  Object.fromEntries(
    Object.entries(CASES)
      .flatMap(([c, v]) => (["esp1", "esp2"] as const).map((slot) => [`${c}/${slot}`, (mode === "authoritative" ? v.auth?.[slot] : undefined) ?? v[slot]]))
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

test("through unbound, as receivers resolve: every seeded state classified exactly, each with its fix", async () => {
  const run = await checkSlots(world.slots, { mode: "recursive", resolvers: [world.resolver], nsAddresses: world.nsAddresses, backoffMs: 20 });
  expect(table(run.results)).toEqual(expectedTable("recursive"));
  for (const r of run.results) {
    if (r.state === "delegated") expect(r.fix).toBe("");
    else
      expect({ slot: `${r.customer}/${r.slot}`, fix: r.fix.length > 10, detail: r.detail.length > 5 }).toEqual({
        slot: `${r.customer}/${r.slot}`,
        fix: true,
        detail: true,
      });
  }
  const by = (c: string, s: string) => run.results.find((r) => r.customer === c && r.slot === s)!;
  // What each says is specific: where a wrong CNAME points, the loop, the DNSSEC error, whose servers.
  expect(by("crossed.test", "esp1").detail).toContain(targetOf("crossed.test", "esp2"));
  expect(by("typo.test", "esp1").fix).toContain(targetOf("typo.test", "esp1"));
  expect(by("typo.test", "esp2").fix).toContain("trailing dot");
  expect(by("others.test", "esp1").detail).toContain("Amazon SES");
  expect(by("loop.test", "esp1").detail).toBe(`CNAME loop: ${nameOf("loop.test", "esp1")} -> a.loop.test -> ${nameOf("loop.test", "esp1")}`);
  expect(by("signed.test", "esp1").detail).toMatch(/DNSSEC validation fails \(SERVFAIL \(EDE (6|7)|without validation the name a CNAME to/);
  expect(by("signed.test", "esp1").detail).toContain(`a CNAME to ${targetOf("signed.test", "esp1")}`);
  expect(by("lame.test", "esp1").detail).toContain("ns1.lame.test");
  expect(by("missing.test", "esp1").detail).toBe("missing.test is not delegated: test has no NS records for it");
  expect(by("moved.test", "esp1").detail).toContain("ns.hostb.test");
  expect(by("doubled.test", "esp1").found.at).toBe("esp1._domainkey.doubled.test.doubled.test");
  expect(by("flat.test", "esp1").fix).toContain("DNS only");
  expect(by("ours.test", "esp1").ours).toBe(true);
  expect(run.results.filter((r) => r.ours).map((r) => r.customer)).toEqual(["ours.test", "ours.test"]);
});

test("--authoritative, asking each customer's own name servers: the same states, except what only a validating resolver sees", async () => {
  const run = await checkSlots(world.slots, { mode: "authoritative", resolvers: [world.resolver], nsAddresses: world.nsAddresses, backoffMs: 20 });
  expect(table(run.results)).toEqual(expectedTable("authoritative"));
});

test("a slot whose CNAME appears is delegated at the next check (unbound's cache flushed as a TTL would expire)", async () => {
  const pending = world.slots.filter((s) => s.customer === "txtpending.test" || s.customer === "pending.test");
  const before = await checkSlots(pending, { mode: "recursive", resolvers: [world.resolver], nsAddresses: world.nsAddresses });
  expect(before.results.map((r) => r.state)).toEqual(["pending", "pending", "pending", "pending"]);
  const [e1, e2] = pending.filter((s) => s.customer === "pending.test");
  await world.setCustomerRecords("pending.test", [cname("esp1", e1.target), cname("esp2", e2.target)]);
  const after = await checkSlots(pending, { mode: "recursive", resolvers: [world.resolver], nsAddresses: world.nsAddresses });
  expect(after.results.map((r) => `${r.customer}/${r.slot}: ${r.state}`)).toEqual([
    "pending.test/esp1: delegated",
    "pending.test/esp2: delegated",
    "txtpending.test/esp1: pending",
    "txtpending.test/esp2: pending",
  ]);
});

test("the gate over time: pending, switched on when the CNAMEs appear, lapsed when they go, dropped after the grace period; settled skipped", async () => {
  const statusFile = join(tempDir(), "dkim.status.json");
  const specs = world.slots.filter((s) => s.customer === "gate.test" || s.customer === "good.test");
  const [g1, g2] = specs.filter((s) => s.customer === "gate.test");
  const verify = async (now: string, format: "text" | "json" | "html" = "text", extra: { "recheck-after"?: string } = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const { status, result } = await verifyDelegations(
      {
        specs,
        statusFile,
        mode: "recursive",
        resolvers: [world.resolver],
        nsAddresses: world.nsAddresses,
        via: `resolver ${world.unbound.address}`,
        format,
        settings: delegationSettings({ now, ...extra }),
        dns: { backoffMs: 20 },
      },
      { out: (t) => out.push(t), err: (t) => err.push(t) },
    );
    return { status, out: out.join(""), err: err.join(""), result, gate: readStatus(statusFile).customers.get("gate.test")?.gate };
  };
  const first = await verify("2026-03-01T00:00:00Z");
  expect([first.status, first.gate, first.err]).toEqual([0, "waiting", ""]);
  expect(first.out).toContain("switched on: good.test (every slot delegated)");
  expect(first.out).toContain(
    `pending (2 slots)\n  ${g1.name}: no such name (NXDOMAIN)\n    fix: create esp1._domainkey CNAME ${g1.target} at your DNS host\n`,
  );

  await world.setCustomerRecords("gate.test", [cname("esp1", g1.target), cname("esp2", g2.target)]);
  const on = await verify("2026-03-01T01:00:00Z", "json", { "recheck-after": "1d" });
  const json = JSON.parse(on.out) as DelegationJson;
  expect([on.status, on.gate]).toEqual([0, "on"]);
  expect(json.events).toEqual([{ customer: "gate.test", kind: "switched-on", why: "" }]);
  // good.test was settled an hour ago: not asked again, reported as last found.
  expect(on.result.skipped).toBe(1);
  expect(json.customers.find((c) => c.customer === "good.test")?.slots.map((s) => [s.state, s.checkedAt])).toEqual([
    ["delegated", "2026-03-01T00:00:00.000Z"],
    ["delegated", "2026-03-01T00:00:00.000Z"],
  ]);

  await world.setCustomerRecords("gate.test", []);
  const lapsed = await verify("2026-03-01T02:00:00Z");
  expect([lapsed.status, lapsed.gate]).toEqual([1, "lapsed"]);
  expect(lapsed.err).toBe("error: newly lapsed (still signed for, for the grace period): gate.test\n");
  expect(lapsed.out).toContain("LAPSED: gate.test: esp1 pending (nxdomain), esp2 pending (nxdomain); still signed for until 2026-03-06T02:00:00.000Z");

  const within = await verify("2026-03-06T01:59:59Z");
  expect([within.status, within.gate, within.err]).toEqual([0, "lapsed", ""]);
  const dropped = await verify("2026-03-06T02:00:00Z", "html");
  expect([dropped.status, dropped.gate]).toEqual([1, "dropped"]);
  expect(dropped.err).toBe("error: dropped from the signer's tables: gate.test\n");
  expect(dropped.out).toContain("DROPPED: gate.test: no longer signed for: not delegated for the grace period since 2026-03-01T02:00:00.000Z");
  expect(readStatus(statusFile).customers.get("gate.test")?.firstDelegated).toBe("2026-03-01T01:00:00.000Z");
});
