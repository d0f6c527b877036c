/**
 * Signing-provider mode through the CLI: the records of a key zone and of a
 * customer's zone we host, rotate moving customers through their slots (at
 * most --max of them getting new keys a run), the signer's export changing
 * exactly when a customer switches slots, and bad input (the record quota,
 * a rotation the slots cannot keep, a lock a hand edit broke) refused with
 * every problem at once and nothing written.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { writeVerifiedStatus } from "./support/gate-status";
import { dkimctl, tempDir, tempProject } from "./support/project";

jest.setTimeout(60_000);

const DAY = 86_400_000;

const yaml = (customers: string[], extra = "", rotation = "every: 20d, publishAhead: 1d, retireAfter: 2d") => `version: 1
defaults: { key: ed25519 }
zones:
  keys.esp.example: { provider: route53, stacks: 2${extra} }
  shop.example: { provider: route53 }
customers:
  keys.esp.example:
    ttl: 300
    rotation: { ${rotation} }
    domains:
${customers.map((c) => `      ${c.includes(":") ? c : `${c}:`}`).join("\n")}
`;

async function ok(...argv: string[]) {
  const r = await dkimctl(...argv);
  if (r.code !== 0) throw new Error(`dkimctl ${argv.join(" ")}: exit ${r.code}\n${r.err}`);
  return r;
}

interface Locked {
  state?: string;
  generation: number;
  created: string;
  publicKey: string;
  fingerprint: string;
}
const slots = (lock: string): Record<string, Record<string, Locked>> => parse(readFileSync(lock, "utf8")).customers;

/** When `keys` made the customers' first keys: rotate's clock starts there. */
const createdAt = (lock: string) => Math.max(...Object.values(slots(lock)).flatMap((s) => Object.values(s).map((k) => Date.parse(k.created))));
const iso = (t: number) => new Date(t).toISOString();

/** verify's finding at `at` (test/support/gate-status.ts): every slot delegated, but those `broken` names. */
const verified = (p: { lock: string }, at: string, broken: string[] = []) => writeVerifiedStatus(p.lock, at, broken);

test("a key zone publishes each cname customer's slot keys at their targets; a customer's zone of ours gets its CNAMEs", async () => {
  const p = tempProject(yaml(["shop.example", "news.example", "txt.example: { delegation: txt }"]));
  await ok("keys", "--config", p.config);
  const records = JSON.parse((await ok("records", "--format", "json", "--config", p.config)).out) as {
    zone: string;
    name: string;
    type: string;
    ttl: number;
    value: string;
  }[];
  const locked = slots(p.lock);
  const key = (c: string, s: string) => `v=DKIM1; k=ed25519; p=${locked[c][s].publicKey}`;
  expect(records.map(({ zone, name, type, ttl, value }) => [zone, name, type, ttl, value])).toEqual([
    ["keys.esp.example", "esp1.news.example.keys.esp.example", "TXT", 300, key("news.example", "esp1")],
    ["keys.esp.example", "esp1.shop.example.keys.esp.example", "TXT", 300, key("shop.example", "esp1")],
    ["keys.esp.example", "esp2.news.example.keys.esp.example", "TXT", 300, key("news.example", "esp2")],
    ["keys.esp.example", "esp2.shop.example.keys.esp.example", "TXT", 300, key("shop.example", "esp2")],
    // shop.example's zone is ours: its CNAMEs, exactly as its instructions give them.
    ["shop.example", "esp1._domainkey.shop.example", "CNAME", 300, "esp1.shop.example.keys.esp.example"],
    ["shop.example", "esp2._domainkey.shop.example", "CNAME", 300, "esp2.shop.example.keys.esp.example"],
  ]);
  const bind = (await ok("instructions", "shop.example", "--format", "bind", "--config", p.config)).out;
  expect(bind).toContain("esp1._domainkey.shop.example. 300 IN CNAME esp1.shop.example.keys.esp.example.");
});

test("a full rotation cycle (both slots rotated twice): the export changes exactly when a customer switches slots", async () => {
  const p = tempProject(yaml(["shop.example", "news.example"], "", "every: 6d, publishAhead: 1d, retireAfter: 2d"));
  await ok("keys", "--config", p.config);
  const t0 = createdAt(p.lock);
  const out = tempDir();
  /** The signer's tables and key files as the export writes them. */
  const exported = async () => {
    await ok("export", "--format", "opendkim", "--out", out, "--signer-dir", "/etc/dkimkeys", "--config", p.config);
    const tables = ["ed25519/SigningTable", "ed25519/KeyTable"].map((f) => (existsSync(join(out, f)) ? readFileSync(join(out, f), "utf8") : ""));
    const keys = existsSync(join(out, "keys"))
      ? readdirSync(join(out, "keys"), { recursive: true, withFileTypes: true })
          .filter((f) => f.isFile())
          .map((f) => readFileSync(join(f.parentPath, f.name), "utf8"))
      : [];
    return { tables, all: [...tables, ...keys].join("\n") };
  };
  verified(p, iso(t0));
  let last = (await exported()).all;
  const switches: string[] = [];
  for (let day = 0; day <= 20; day++) {
    const r = await ok("rotate", "--now", iso(t0 + day * DAY), "--config", p.config);
    // The deploy of our key zone, then verify sees each slot serve its key.
    verified(p, iso(t0 + day * DAY));
    const switched = [...r.out.matchAll(/^(\S+): (esp\d) \(generation (\d+)\) pending -> active/gm)].map((m) => `${day} ${m[1]} ${m[2]}.${m[3]}`);
    switches.push(...switched);
    const { tables, all } = await exported();
    expect({ day, exportChanged: all !== last }).toEqual({ day, exportChanged: switched.length > 0 });
    last = all;
    // Each customer signs with exactly one slot: the one the lock says is active.
    const active = Object.entries(slots(p.lock)).flatMap(([c, s]) => Object.entries(s).flatMap(([slot, k]) => (k.state === "active" ? [`${c} ${slot}`] : [])));
    const signing = tables[0]
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.replace(/^(\S+) (esp\d)\._domainkey\.\S+$/, "$1 $2"));
    expect(signing.sort()).toEqual(active.sort());
  }
  // The first keys sign after publishAhead (1d); esp2's first key, ready at once, when esp1's is due (6d, less a jitter under a
  // day: the daily run after); then each slot's next key, placed once the slot's old key has retired for 2d, at the next due time.
  for (const c of ["shop.example", "news.example"]) {
    const mine = switches.filter((s) => s.includes(` ${c} `)).map((s) => s.split(" "));
    expect(mine.map((m) => `${m[0]} ${m[2]}`)).toEqual(["1 esp1.1", "7 esp2.1", "13 esp1.2", "19 esp2.2"]);
  }
  // The records of the customers' own zones never changed: only our key zone did.
  expect(JSON.parse((await ok("records", "--format", "json", "--config", p.config)).out).filter((r: { zone: string }) => r.zone === "shop.example")).toEqual([
    expect.objectContaining({ name: "esp1._domainkey.shop.example", value: "esp1.shop.example.keys.esp.example" }),
    expect.objectContaining({ name: "esp2._domainkey.shop.example", value: "esp2.shop.example.keys.esp.example" }),
  ]);
});

test("the signing gate: rotate never switches to a slot not delegated, naming it; the export holds only customers switched on", async () => {
  const p = tempProject(yaml(["a.example", "b.example"]));
  await ok("keys", "--config", p.config);
  const t0 = createdAt(p.lock);
  const out = tempDir();
  const signingTable = async () => {
    const r = await ok("export", "--format", "opendkim", "--out", out, "--signer-dir", "/etc/dkimkeys", "--config", p.config);
    return {
      out: r.out,
      table: readFileSync(join(out, "ed25519/SigningTable"), "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("#")),
    };
  };
  // No status file yet: nobody switches, and rotate says why.
  const none = await ok("rotate", "--now", iso(t0 + DAY), "--config", p.config);
  expect(none.err).toContain(
    `note: no ${p.dir}/dkim.status.json yet: no customer switches to a slot until 'npx dkimctl verify --config ${p.config}' has seen it delegated`,
  );
  expect(none.err).toContain("held: a.example: slot esp1 has never been checked: signing does not switch to a slot that is not delegated");
  expect(Object.values(slots(p.lock)).flatMap((s) => Object.values(s).map((k) => k.state ?? "pending"))).toEqual(["pending", "pending", "pending", "pending"]);
  // b.example's esp2 is not delegated: b may sign with esp1 but is not switched on, so the signer does not get its key.
  verified(p, iso(t0), ["b.example/esp2"]);
  await ok("rotate", "--now", iso(t0 + DAY), "--config", p.config);
  expect([slots(p.lock)["a.example"].esp1.state, slots(p.lock)["b.example"].esp1.state]).toEqual(["active", "active"]);
  const first = await signingTable();
  expect(first.table).toEqual(["a.example esp1._domainkey.a.example"]);
  expect(first.out).toContain("1 customer left out: not switched on by the signing gate");
  // Both fall due for esp2 (every 20d, less a jitter under 2d): a switches, b is refused, naming the slot and its state.
  const due = await ok("rotate", "--now", iso(t0 + 21 * DAY), "--config", p.config);
  expect(due.out).toMatch(/^a\.example: esp2 \(generation 1\) pending -> active/m);
  expect(due.out).not.toMatch(/^b\.example: esp2 .*-> active/m);
  expect(due.err).toContain(
    `held: b.example: slot esp2 is pending (nxdomain) since ${iso(t0)}: signing does not switch to a slot that is not delegated; ` +
      "run dkimctl verify once the customer has fixed it",
  );
  expect(slots(p.lock)["b.example"].esp2.state ?? "pending").toBe("pending");
  // Once verify finds b's esp2 delegated, b is switched on (in the export) and switches at the next run.
  verified(p, iso(t0 + 21 * DAY));
  expect((await signingTable()).table).toEqual(["a.example esp2._domainkey.a.example", "b.example esp1._domainkey.b.example"]);
  const later = await ok("rotate", "--now", iso(t0 + 22 * DAY), "--config", p.config);
  expect(later.out).toMatch(/^b\.example: esp2 \(generation 1\) pending -> active/m);
  expect(later.err).not.toContain("held:");
});

test("rotate names at most 50 held switches, one a line, and counts them all", async () => {
  const names = Array.from({ length: 52 }, (_, i) => `c${i}.example`);
  const p = tempProject(yaml(names));
  await ok("keys", "--config", p.config);
  const r = await ok("rotate", "--now", iso(createdAt(p.lock) + DAY), "--config", p.config);
  const lines = r.err.split("\n").filter((l) => l.startsWith("held: "));
  expect(lines[0]).toBe("held: 52 customers' switches (the first 50 below):");
  expect(lines.slice(1)).toHaveLength(50);
  expect(lines.slice(1).every((l) => / slot esp1 has never been checked: /.test(l))).toBe(true);
});

test("--max gives new keys to at most N customers a run, those waiting longest first; the rest follow in later runs", async () => {
  const names = ["a.example", "b.example", "c.example", "d.example", "e.example"];
  const p = tempProject(yaml(names));
  await ok("keys", "--config", p.config);
  const t0 = createdAt(p.lock);
  verified(p, iso(t0));
  // Everyone signs with esp1, then with esp2 (the second slot's first key was ready at once) once due: by day 21, whatever its jitter.
  await ok("rotate", "--now", iso(t0 + DAY), "--config", p.config);
  await ok("rotate", "--now", iso(t0 + 25 * DAY), "--config", p.config);
  const generations = () => names.map((c) => slots(p.lock)[c].esp1.generation);
  expect(generations()).toEqual([1, 1, 1, 1, 1]);
  // Each customer's esp1 has been retiring for more than 2 days: all five want a new key there.
  const runs: string[] = [];
  for (let run = 0; run < 3; run++) {
    const r = await ok("rotate", "--now", iso(t0 + 40 * DAY + run * 3_600_000), "--max", "2", "--config", p.config);
    runs.push(r.out);
    expect({ run, placed: generations().filter((g) => g === 2).length }).toEqual({ run, placed: Math.min(5, 2 * (run + 1)) });
  }
  expect(runs[0]).toMatch(/^3 customers due for new keys wait for a later run \(--max\): /m);
  expect(runs[1]).toMatch(/^1 customer due for new keys wait for a later run \(--max\): /m);
  expect(runs[2]).not.toMatch(/wait for a later run/);
  expect((await dkimctl("rotate", "--max", "0", "--config", p.config)).code).toBe(2);
});

describe("bad input is refused with every problem at once, and nothing is written", () => {
  test("a key zone over its record quota: keys makes no key, validate names the zone and what to do", async () => {
    const p = tempProject(yaml(["a.example", "b.example", "c.example"], ", recordQuota: 6"));
    for (const command of ["keys", "validate"]) {
      const r = await dkimctl(command, "--config", p.config);
      expect({ command, code: r.code }).toEqual({ command, code: 1 });
      expect(r.err.replace(p.config, "domains.yaml")).toContain(
        "domains.yaml:4:3: zones/keys.esp.example: would hold 8 records (6 of dkimctl's, and its SOA and NS), 2 over its quota of 6: " +
          "put some of its customers (or domains) in a second zone, or have AWS raise it",
      );
    }
    expect(readdirSync(p.dir)).toEqual(["domains.yaml"]);
  });

  test("a rotation two slots cannot keep, and a publishAhead shorter than the TTL, at the fields that say so", async () => {
    const text = yaml(["a.example"]).replace(
      "rotation: { every: 20d, publishAhead: 1d, retireAfter: 2d }",
      "rotation: { every: 2d, publishAhead: 60s, retireAfter: 2d }",
    );
    const p = tempProject(text);
    const r = await dkimctl("validate", "--config", p.config);
    expect(r.code).toBe(1);
    expect(
      r.err
        .replace(new RegExp(p.config, "g"), "domains.yaml")
        .split("\n")
        .filter((l) => l.startsWith("domains.yaml")),
    ).toEqual([
      "domains.yaml:9:24: customers/keys.esp.example/rotation/every: the customers' rotation every must be at least 2d 1m with 2 slots: " +
        "the idle slot holds the replaced key retireAfter, then the next key publishAhead before it signs; lengthen every, or give the customers a third slot",
      "domains.yaml:9:42: customers/keys.esp.example/rotation/publishAhead: the customers' rotation publishAhead must be at least the records' TTL (5m): " +
        "a slot's name gets a new key over time, and a resolver may hold the key it replaced for a TTL; lengthen publishAhead or shorten the ttl",
    ]);
  });

  test("a lock whose slot keys a hand edit broke: a revoked slot key, two active slots", async () => {
    const p = tempProject(yaml(["a.example"]));
    await ok("keys", "--config", p.config);
    const t0 = createdAt(p.lock);
    verified(p, iso(t0));
    await ok("rotate", "--now", iso(t0 + DAY), "--config", p.config);
    const text = readFileSync(p.lock, "utf8");
    const esp2 = text.indexOf("    esp2:");
    writeFileSync(p.lock, text.slice(0, esp2) + text.slice(esp2).replace("state: pending", `state: active\n      activated: ${iso(t0 + DAY)}`));
    const broken = await dkimctl("validate", "--config", p.config);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(
      /dkim\.lock\.yaml:\d+:\d+: customers\/a\.example\/esp2\/state: a\.example has two active slots \(esp1 and esp2\); a customer signs with one/,
    );
    writeFileSync(p.lock, text.replace("state: active", "state: revoked\n      retired: 2099-01-01T00:00:00Z\n      revoked: 2099-01-02T00:00:00Z"));
    const revoked = await dkimctl("validate", "--config", p.config);
    expect(revoked.err).toMatch(
      /customers\/a\.example\/esp1\/state: a slot's key is pending, active or retiring, then replaced by the slot's next key; not revoked/,
    );
  });
});
