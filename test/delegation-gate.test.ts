/**
 * The signing gate (src/delegation/gate.ts) as properties over random
 * histories of checks, and the status file: round trip, refusal of a file
 * that is not one, and a run killed mid-way that loses nothing recorded.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { advance, type CustomerRecord, DEFAULT_GRACE_MS, isDue, isSigning, servedSince, signingCustomers, switchRefusal } from "../src/delegation/gate";
import type { SlotResult, SlotState } from "../src/delegation/slot";
import { formatStatus, readStatus, StatusRecorder } from "../src/delegation/status-file";
import { ROOT, tempDir } from "./support/project";

const HOUR = 3_600_000;
const START = Date.parse("2026-01-01T00:00:00Z");

const slotResult = (slot: string, state: SlotState, ours = false): SlotResult => ({
  customer: "c.example",
  slot,
  name: `${slot}._domainkey.c.example`,
  target: `${slot}.c-example.keys.esp.example`,
  delegation: "cname",
  state,
  reason: state === "delegated" ? "cname" : "x",
  detail: "",
  fix: "",
  found: {},
  ...(ours ? { ours: true } : {}),
});

/** One check: how long after the previous one, and each slot's state (ours: a problem on the provider's side). */
const checkArb = fc.record({
  wait: fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR),
  slots: fc.array(
    fc.record({ state: fc.constantFrom<SlotState>("delegated", "delegated", "delegated", "pending", "wrong-target", "broken"), ours: fc.boolean() }),
    {
      minLength: 2,
      maxLength: 2,
    },
  ),
});

test("the gate over random histories: signed only once every slot was delegated; lapsed, never dropped, within the grace period; dropped after it", () => {
  fc.assert(
    fc.property(fc.array(checkArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (checks, graceDays) => {
      const grace = graceDays * 24 * HOUR;
      let record: CustomerRecord | undefined;
      let t = START;
      for (const c of checks) {
        t += c.wait;
        const results = c.slots.map((s, i) => slotResult(`esp${i + 1}`, s.state, s.state !== "delegated" && s.ours));
        const all = results.every((r) => r.state === "delegated");
        const theirs = results.some((r) => r.state !== "delegated" && !r.ours);
        const before = record;
        record = advance("c.example", before, results, new Date(t), grace).record;
        // Switched on only at a check that found every slot delegated.
        if (!isSigning(before) && isSigning(record)) expect(all).toBe(true);
        if (isSigning(record)) expect(record.firstDelegated).toBeDefined();
        // A problem of ours never lapses a switched-on customer.
        if (before?.gate === "on" && !theirs) expect(record.gate).toBe("on");
        if (before?.gate === "on" && theirs) expect(record.gate).toBe("lapsed");
        if (before?.gate === "lapsed" && record.gate === "dropped") {
          expect(t - Date.parse(before.since)).toBeGreaterThanOrEqual(grace);
          expect(record.reason).toMatch(/^not delegated for the grace period since /);
        }
        // Within the grace period a lapsed customer is still signed for; past it, with the problem still there, it is not.
        if (before?.gate === "lapsed" && !all) {
          const over = t - Date.parse(before.since) >= grace;
          expect(record.gate).toBe(over && theirs ? "dropped" : "lapsed");
        }
        if (record.gate === "waiting") expect(before === undefined || before.gate === "waiting").toBe(true);
      }
    }),
    { numRuns: 500 },
  );
});

test("events: switched on, lapsed naming the slots, recovered, dropped after the default five days, switched on again", () => {
  const at = (h: number) => new Date(START + h * HOUR);
  const ok = [slotResult("esp1", "delegated"), slotResult("esp2", "delegated")];
  const gone = [slotResult("esp1", "delegated"), slotResult("esp2", "pending")];
  const steps: [number, SlotResult[]][] = [
    [0, gone],
    [1, ok],
    [2, gone],
    [3, ok],
    [4, gone],
    [4 + 119, gone],
    [4 + 120, gone],
    [200, ok],
  ];
  let record: CustomerRecord | undefined;
  const seen: string[] = [];
  for (const [h, results] of steps) {
    const next = advance("c.example", record, results, at(h));
    record = next.record;
    seen.push(`${h}h ${record.gate}${next.event ? ` (${next.event.kind}${next.event.why ? `: ${next.event.why}` : ""})` : ""}`);
  }
  expect(DEFAULT_GRACE_MS).toBe(5 * 24 * HOUR);
  expect(seen).toEqual([
    "0h waiting",
    "1h on (switched-on)",
    "2h lapsed (lapsed: esp2 pending (x))",
    "3h on (recovered)",
    "4h lapsed (lapsed: esp2 pending (x))",
    "123h lapsed",
    `124h dropped (dropped: not delegated for the grace period since ${at(4).toISOString()}: esp2 pending (x))`,
    "200h on (switched-on)",
  ]);
  expect(record!.firstDelegated).toBe(at(1).toISOString());
  expect(record!.slots.esp2.since).toBe(at(200).toISOString());
});

test("isDue: a settled customer (on, every slot delegated) is checked again only after --recheck-after; everyone else every run", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 100 }),
      fc.constantFrom("on", "lapsed", "waiting", "dropped"),
      (age, after, gate) => {
        const now = new Date(START + 200 * HOUR);
        const record = {
          gate,
          since: new Date(START).toISOString(),
          lastChecked: new Date(now.getTime() - age * HOUR).toISOString(),
          slots: { esp1: { state: "delegated", reason: "cname", since: new Date(START).toISOString() } },
        } as CustomerRecord;
        const due = isDue(record, ["esp1"], now, after * HOUR);
        expect(due).toBe(gate !== "on" || after === 0 || age >= after);
        // A slot the record does not know yet (a third slot added) makes the customer due.
        expect(isDue(record, ["esp1", "esp2"], now, after * HOUR)).toBe(true);
        // A slot last seen serving another key than the lock's (rotate placed a new one there) makes it due; the same key does not.
        const served = { ...record, slots: { esp1: { ...record.slots.esp1, key: `sha256:${"a".repeat(64)}` } } } as CustomerRecord;
        expect(isDue(served, ["esp1"], now, after * HOUR, new Map([["esp1", `sha256:${"b".repeat(64)}`]]))).toBe(true);
        expect(isDue(served, ["esp1"], now, after * HOUR, new Map([["esp1", `sha256:${"a".repeat(64)}`]]))).toBe(due);
      },
    ),
  );
});

test("rotate's question: a slot not delegated at the last check is refused, naming the customer and the slot; who is signed for", () => {
  const at = new Date(START);
  const on = advance("c.example", undefined, [slotResult("esp1", "delegated"), slotResult("esp2", "delegated")], at).record;
  const lapsed = advance("c.example", on, [slotResult("esp1", "delegated"), slotResult("esp2", "wrong-target")], new Date(START + HOUR)).record;
  expect(switchRefusal(on, "c.example", "esp2")).toBeUndefined();
  expect(switchRefusal(lapsed, "c.example", "esp1")).toBeUndefined();
  expect(switchRefusal(lapsed, "c.example", "esp2")).toBe(
    `c.example: slot esp2 is wrong-target (x) since ${new Date(START + HOUR).toISOString()}: ` +
      "signing does not switch to a slot that is not delegated; run dkimctl verify once the customer has fixed it",
  );
  expect(switchRefusal(undefined, "d.example", "esp1")).toMatch(/^d\.example: slot esp1 has never been checked: /);
  const waiting = advance("w.example", undefined, [slotResult("esp1", "pending"), slotResult("esp2", "delegated")], at).record;
  expect([
    ...signingCustomers(
      new Map([
        ["c.example", lapsed],
        ["w.example", waiting],
        ["o.example", on],
      ]),
    ),
  ]).toEqual(["c.example", "o.example"]);
});

test("servedSince: since when a slot has served a given key (a new key at the slot starts its own time)", () => {
  const fp = (c: string) => `sha256:${c.repeat(64)}`;
  const withKey = (key: string) => ({ ...slotResult("esp1", "delegated"), key });
  const t = (h: number) => new Date(START + h * HOUR);
  let r = advance("c.example", undefined, [withKey(fp("a")), slotResult("esp2", "delegated")], t(0)).record;
  r = advance("c.example", r, [withKey(fp("a")), slotResult("esp2", "delegated")], t(1)).record;
  expect(servedSince(r, "esp1", fp("a"))).toEqual(t(0));
  expect(servedSince(r, "esp1", fp("b"))).toBeUndefined();
  r = advance("c.example", r, [withKey(fp("b")), slotResult("esp2", "delegated")], t(2)).record;
  expect(servedSince(r, "esp1", fp("b"))).toEqual(t(2));
  r = advance("c.example", r, [slotResult("esp1", "pending"), slotResult("esp2", "delegated")], t(3)).record;
  expect(servedSince(r, "esp1", fp("b"))).toBeUndefined();
});

describe("the status file", () => {
  test("round trip; customers sorted; a file that is not a status file is refused saying where, never reset", () => {
    const dir = tempDir();
    const file = join(dir, "dkim.status.json");
    expect(readStatus(file).customers.size).toBe(0);
    const recorder = new StatusRecorder(file, readStatus(file), { now: new Date(START), flushEveryMs: 0 });
    recorder.record("b.example", [slotResult("esp1", "delegated"), slotResult("esp2", "delegated")]);
    recorder.record("a.example", [slotResult("esp1", "pending"), slotResult("esp2", "delegated")]);
    recorder.flush();
    const text = readFileSync(file, "utf8");
    expect(Object.keys(JSON.parse(text).customers)).toEqual(["a.example", "b.example"]);
    const back = readStatus(file);
    expect(formatStatus(back, new Date(START))).toBe(text);
    expect(back.customers.get("b.example")?.gate).toBe("on");
    expect(recorder.events.map((e) => `${e.customer} ${e.kind}`)).toEqual(["b.example switched-on"]);

    writeFileSync(file, text.replace('"gate": "on"', '"gate": "sometimes"'));
    expect(() => readStatus(file)).toThrow(/dkim\.status\.json is not a dkimctl status file \(version 1\):\n {2}customers\.b\.example\.gate: /);
    writeFileSync(file, "{");
    expect(() => readStatus(file)).toThrow(/dkim\.status\.json: not JSON/);
  });

  test("a run killed (SIGKILL) while recording loses nothing recorded before it, and leaves a whole file", async () => {
    const dir = tempDir();
    const file = join(dir, "dkim.status.json");
    // Recorded by an earlier run.
    const earlier = new StatusRecorder(file, readStatus(file), { now: new Date(START), flushEveryMs: 0 });
    for (let i = 0; i < 50; i++) earlier.record(`old${i}.example`, [slotResult("esp1", "delegated"), slotResult("esp2", "delegated")]);
    earlier.flush();
    const before = readStatus(file).customers;
    // A run that records a customer every millisecond or so, writing every 20 ms, killed after its first writes.
    const script = join(dir, "record.ts");
    writeFileSync(
      script,
      `import { StatusRecorder, readStatus } from ${JSON.stringify(join(ROOT, "src/delegation/status-file"))};
const file = ${JSON.stringify(file)};
const r = new StatusRecorder(file, readStatus(file), { now: new Date(${START + HOUR}), flushEveryMs: 20 });
const results = (state: string) => ["esp1", "esp2"].map((slot) => ({ slot, state, reason: "x", ours: false }));
let i = 0;
const tick = () => { r.record("new" + i + ".example", results("pending") as never); if (i++ % 50 === 49) console.log(i); setTimeout(tick, 1); };
tick();
`,
    );
    const child = spawn(process.execPath, ["-r", join(ROOT, "bin", "register.js"), script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => Number(d.toString().trim().split("\n").pop()) >= 200 && resolve()));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(existsSync(file)).toBe(true);
    const after = readStatus(file).customers; // whole and valid: it parses
    for (const [customer, record] of before) expect(after.get(customer)).toEqual(record);
    const added = [...after.keys()].filter((c) => c.startsWith("new"));
    expect(added.length).toBeGreaterThan(0);
    // What was written is a prefix of what was recorded, in order: new0, new1, ...
    expect(added.map((c) => Number(c.slice(3, -".example".length))).sort((a, b) => a - b)).toEqual(added.map((_, i) => i));
  });
});
