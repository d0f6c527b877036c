/**
 * check-plan on hand-built plans in `terraform show -json` form (the
 * Cloudflare provider cannot run here; Route53 plans made by real Terraform
 * are checked in the end-to-end suite).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load";
import { Lock, type LockEntry } from "../src/keys/lock";
import { fingerprint } from "../src/dkim/keys";
import { checkPlan } from "../src/plan/check-plan";
import { desiredRecords, type DesiredRecord } from "../src/records";
import { quoteTxt } from "../src/dkim/txt";
import { writeVerifiedStatus } from "./support/gate-status";
import { dkimctl, tempProject } from "./support/project";

const YAML = `version: 1
defaults:
  rotation: { every: 180d, publishAhead: 3d, retireAfter: 7d, revokeFor: 30d }
zones:
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.org: {}
  mail.example.org:
    selectors:
      s1: {}
`;

let p: ReturnType<typeof tempProject>;
let records: DesiredRecord[];
beforeAll(async () => {
  p = tempProject(YAML);
  await dkimctl("keys", "--config", p.config);
  for (const t of ["2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z", "2026-06-30T00:00:00Z"]) await dkimctl("rotate", "--config", p.config, "--now", t);
  records = desiredRecords(loadConfig(p.config), Lock.read(p.lock));
});

const cf = (r: { name: string; type: string; value?: string; strings?: readonly string[] }) => ({
  name: r.name,
  type: r.type,
  ttl: 3600,
  zone_id: "023e105f4ecef8ad9ca31a8372d0c353",
  content: r.type === "TXT" ? quoteTxt(r.strings ?? [r.value!]) : r.value,
});
const change = (address: string, actions: string[], before: object | null, after: object | null, type = "cloudflare_dns_record") => ({
  address,
  mode: "managed",
  type,
  change: { actions, before, after },
});
const plan = (...resource_changes: object[]) => ({ format_version: "1.2", resource_changes });
const rec = (name: string) => records.find((r) => r.name === name)!;
const check = (pl: object) => checkPlan(pl, loadConfig(p.config), Lock.read(p.lock)).map((f) => `${f.severity} ${f.name ?? f.address}: ${f.message}`);

test("the plan of the desired records passes", () => {
  expect(records.map((r) => r.name)).toEqual(["s1._domainkey.mail.example.org", "s202601a._domainkey.example.org", "s202606a._domainkey.example.org"]);
  expect(check(plan(...records.map((r) => change(`cloudflare_dns_record.x${r.selector}`, ["create"], null, cf(r)))))).toEqual([]);
});

test("deleting the active key's record is refused", () => {
  const active = rec("s202601a._domainkey.example.org");
  expect(check(plan(change("cloudflare_dns_record.a", ["delete"], cf(active), null)))).toEqual([
    "error s202601a._domainkey.example.org: the plan deletes the record of active selector s202601a of example.org: " +
      "mail signed with it would fail to verify. Let dkimctl rotate retire it",
  ]);
});

test("replacing the pending key's record is refused; so is deleting a hand-written selector still in domains.yaml", () => {
  const pending = rec("s202606a._domainkey.example.org");
  const hand = rec("s1._domainkey.mail.example.org");
  expect(
    check(
      plan(change("cloudflare_dns_record.p", ["delete", "create"], cf(pending), cf(pending)), change("cloudflare_dns_record.h", ["delete"], cf(hand), null)),
    ),
  ).toEqual([
    expect.stringMatching(
      new RegExp(
        /^error s202606a._domainkey.example.org: the plan replaces the record of pending selector s202606a of example.org: /.source +
          /mail signed with it from the next rotation would fail to verify while the record is recreated/.source,
      ),
    ),
    expect.stringMatching(/^error s1._domainkey.mail.example.org: the plan deletes the record of active selector s1 of mail.example.org/),
  ]);
});

test("a key the lock does not have is refused", () => {
  const active = rec("s202601a._domainkey.example.org");
  const other = rec("s1._domainkey.mail.example.org").value.replace(/^.*p=/, "");
  const forged = { ...active, strings: undefined, value: `v=DKIM1; k=rsa; p=${other}` };
  expect(check(plan(change("cloudflare_dns_record.a", ["update"], cf(active), cf(forged))))).toEqual([
    expect.stringMatching(
      /^error s202601a._domainkey.example.org: the plan publishes a key for s202601a of example.org that the lock does not have \(lock sha256:[0-9a-f]{64}\)/,
    ),
  ]);
});

test("records and resources that domains.yaml does not produce are refused", () => {
  expect(
    check(
      plan(
        change("cloudflare_dns_record.www", ["create"], null, { name: "www.example.org", type: "A", content: "192.0.2.1" }),
        change("cloudflare_dns_record.x", ["create"], null, cf({ name: "x1._domainkey.example.org", type: "TXT", value: "v=DKIM1; p=" })),
        change("cloudflare_zone.z", ["delete"], { name: "example.org" }, null, "cloudflare_zone"),
      ),
    ),
  ).toEqual([
    "error www.example.org: www.example.org is not a DKIM selector record (<selector>._domainkey.<domain>) or a DMARC record (_dmarc.<domain>): " +
      "it is not derived from domains.yaml",
    "error x1._domainkey.example.org: the plan creates x1._domainkey.example.org, which domains.yaml and the lock do not produce: " +
      "run 'npx dkimctl records' to see what they do",
    "error cloudflare_zone.z: the plan deletes a cloudflare_zone, which dkimctl does not make: only DKIM and DMARC records belong in these stacks",
  ]);
});

test("deleting a selector removed from domains.yaml is a warning; no-op and read changes are ignored", () => {
  const gone = { name: "old._domainkey.mail.example.org", type: "TXT", value: "v=DKIM1; k=rsa; p=" };
  expect(check(plan(change("cloudflare_dns_record.o", ["delete"], cf(gone), null), change("cloudflare_dns_record.n", ["no-op"], cf(gone), cf(gone))))).toEqual([
    "warning old._domainkey.mail.example.org: the plan deletes old._domainkey.mail.example.org, a selector no longer in domains.yaml: " +
      "make sure no signer still uses it",
  ]);
});

test("the command: exit 1 with each refusal on stderr, exit 0 for a safe plan, a clear error for a non-plan", async () => {
  const active = rec("s202601a._domainkey.example.org");
  const bad = join(p.dir, "bad.json");
  writeFileSync(bad, JSON.stringify(plan(change("cloudflare_dns_record.a", ["delete"], cf(active), null))));
  const r = await dkimctl("check-plan", bad, "--config", p.config);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^error: cloudflare_dns_record.a \(s202601a._domainkey.example.org\): the plan deletes the record of active selector/);
  expect(r.out).toBe(`${bad}: 1 change refused; do not apply this plan\n`);
  const good = join(p.dir, "good.json");
  writeFileSync(good, JSON.stringify(plan()));
  expect((await dkimctl("check-plan", good, "--config", p.config)).code).toBe(0);
  const notPlan = join(p.dir, "x.json");
  writeFileSync(notPlan, "[]");
  expect((await dkimctl("check-plan", notPlan, "--config", p.config)).err).toMatch(
    /not a Terraform JSON plan: make it with 'terraform show -json PLANFILE > plan.json'/,
  );
  expect((await dkimctl("check-plan", "--config", p.config)).code).toBe(2);
});

// ---------------------------------------------------------------------------
// Every side of every action is judged; a selector never gets a second key
// ---------------------------------------------------------------------------

const r53 = (r: { name: string; type: string; value?: string; strings?: readonly string[] }, over: object = {}) => ({
  name: r.name,
  type: r.type,
  ttl: 3600,
  zone_id: "023e105f4ecef8ad9ca31a8372d0c353",
  records: [r.type === "TXT" ? (r.strings ?? [r.value!]).join('""') : r.value],
  ...over,
});
const otherRsaKey = () => rec("s202606a._domainkey.example.org").value.replace(/^.*p=/, "");
const keyOf = (r: DesiredRecord) => r.value.replace(/^.*p=/, "");

/** The lock with `selector`'s key swapped for `key` (fingerprint recomputed) or its entry otherwise changed. */
function lockWith(domain: string, selector: string, change: Partial<LockEntry>): Lock {
  const lock = Lock.read(p.lock);
  lock.set(domain, selector, { ...lock.get(domain, selector)!, ...change });
  return lock;
}
const checkWith = (lock: Lock, pl: object) => checkPlan(pl, loadConfig(p.config), lock).map((f) => `${f.severity} ${f.name ?? f.address}: ${f.message}`);

test("a swapped key is refused even when the lock was edited to agree: update, both replaces, and across two resources", () => {
  const s1 = rec("s1._domainkey.mail.example.org");
  const other = otherRsaKey();
  const lock = lockWith("mail.example.org", "s1", { publicKey: other, fingerprint: fingerprint(other) });
  const swapped = desiredRecords(loadConfig(p.config), lock).find((r) => r.name === s1.name)!;
  expect(keyOf(swapped)).toBe(other);
  const secondKey = expect.stringMatching(
    new RegExp(
      "^error s1._domainkey.mail.example.org: the plan changes the key of selector s1 of mail.example.org " +
        `from ${fingerprint(keyOf(s1)).slice(0, 19)}.* to ${fingerprint(other).slice(0, 19)}.*: a selector never gets a second key`,
    ),
  );
  for (const actions of [["update"], ["delete", "create"], ["create", "delete"]])
    expect({ actions, findings: checkWith(lock, plan(change("cloudflare_dns_record.s1", actions, cf(s1), cf(swapped)))) }).toEqual({
      actions,
      findings: expect.arrayContaining([secondKey]),
    });
  // The old record deleted by one resource, the new key created by another.
  expect(
    checkWith(lock, plan(change("cloudflare_dns_record.old", ["delete"], cf(s1), null), change("cloudflare_dns_record.new", ["create"], null, cf(swapped)))),
  ).toEqual(expect.arrayContaining([secondKey]));
  // Route53 too (records instead of content).
  expect(checkWith(lock, plan(change("aws_route53_record.s1", ["update"], r53(s1), r53(swapped), "aws_route53_record")))).toEqual([secondKey]);
});

test("revocation (empty p=) passes only for a selector the lock has revoked", () => {
  const active = rec("s202601a._domainkey.example.org");
  const revokedValue = { ...active, strings: undefined, value: active.value.replace(/p=.*$/, "p=") };
  const update = plan(change("cloudflare_dns_record.a", ["update"], cf(active), cf(revokedValue)));
  expect(
    checkWith(lockWith("example.org", "s202601a", { state: "revoked", retired: "2026-07-03T00:00:00Z", revoked: "2026-07-10T00:00:00Z" }), update),
  ).toEqual([]);
  expect(check(update)).toEqual([
    "error s202601a._domainkey.example.org: the plan revokes the key of selector s202601a of example.org (empty p=), but the lock has it as active: " +
      "only a key dkimctl rotate has revoked may lose its p=",
  ]);
});

test("a rename (delete+create, either order) from an active selector's record to another selector's is refused on its before side", () => {
  const active = rec("s202601a._domainkey.example.org");
  const s1 = rec("s1._domainkey.mail.example.org");
  for (const actions of [
    ["delete", "create"],
    ["create", "delete"],
  ])
    expect({ actions, findings: check(plan(change("cloudflare_dns_record.e1", actions, cf(active), cf(s1)))) }).toEqual({
      actions,
      findings: [
        "error s202601a._domainkey.example.org: the plan deletes the record of active selector s202601a of example.org " +
          "(this resource now makes s1._domainkey.mail.example.org): mail signed with it would fail to verify. Let dkimctl rotate retire it",
      ],
    });
  // Issue 7's reproduction: a hand-written selector's Route53 record renamed to another desired record.
  const pending = rec("s202606a._domainkey.example.org");
  expect(check(plan(change("aws_route53_record.s1", ["delete", "create"], r53(s1), r53(pending), "aws_route53_record")))).toEqual([
    expect.stringMatching(
      new RegExp(
        /^error s1._domainkey.mail.example.org: the plan deletes the record of active selector s1 of mail.example.org /.source +
          /\(this resource now makes s202606a._domainkey.example.org\)/.source,
      ),
    ),
  ]);
});

test("an update that moves a record to another name or zone deletes the old one", () => {
  const pending = rec("s202606a._domainkey.example.org");
  const moved = { ...cf(pending), zone_id: "99999999999999999999999999999999" };
  expect(check(plan(change("cloudflare_dns_record.p", ["update"], cf(pending), moved)))).toEqual([
    expect.stringMatching(
      new RegExp(
        /^error s202606a._domainkey.example.org: the plan deletes the record of pending selector s202606a of example.org /.source +
          /\(this resource now writes it into zone id 99999999999999999999999999999999\)/.source,
      ),
    ),
    "error s202606a._domainkey.example.org: the plan writes s202606a._domainkey.example.org into zone id 99999999999999999999999999999999, " +
      "but domains.yaml puts it in zone example.org (id 023e105f4ecef8ad9ca31a8372d0c353)",
  ]);
});

test("forget (Terraform 1.7+): a record dkimctl still publishes must not be forgotten; an old one is a warning", () => {
  const active = rec("s202601a._domainkey.example.org");
  const s1 = rec("s1._domainkey.mail.example.org");
  const gone = { name: "old._domainkey.mail.example.org", type: "TXT", value: "v=DKIM1; k=rsa; p=" };
  expect(
    check(
      plan(
        change("cloudflare_dns_record.a", ["forget"], cf(active), null),
        change("cloudflare_dns_record.h", ["create", "forget"], cf(s1), cf(s1)),
        change("cloudflare_dns_record.o", ["forget"], cf(gone), null),
      ),
    ),
  ).toEqual([
    expect.stringMatching(
      new RegExp(
        /^error s202601a._domainkey.example.org: the plan forgets s202601a._domainkey.example.org /.source +
          /\(Terraform stops managing it; the record stays in DNS\), but dkimctl still publishes it \(active selector s202601a of example.org\)/.source,
      ),
    ),
    expect.stringMatching(
      new RegExp(
        /^error s1._domainkey.mail.example.org: the plan forgets s1._domainkey.mail.example.org /.source +
          /.*but dkimctl still publishes it \(selector s1 of mail.example.org\)/.source,
      ),
    ),
    "warning old._domainkey.mail.example.org: the plan forgets old._domainkey.mail.example.org, a selector no longer in domains.yaml: " +
      "it stays in DNS, unmanaged; delete it by hand once no signer uses it",
  ]);
});

test("TTL and zone are compared, not just type and value", () => {
  const s1 = rec("s1._domainkey.mail.example.org");
  expect(
    check(
      plan(
        change("cloudflare_dns_record.t", ["create"], null, { ...cf(s1), ttl: 60 }),
        change("cloudflare_dns_record.z", ["update"], cf(s1), { ...cf(s1), zone_id: "0123" }),
      ),
    ),
  ).toEqual([
    "error s1._domainkey.mail.example.org: the plan sets TTL 60 on s1._domainkey.mail.example.org where domains.yaml gives 3600",
    expect.stringMatching(
      new RegExp(
        /^error s1._domainkey.mail.example.org: the plan deletes the record of active selector s1 of mail.example.org /.source +
          /\(this resource now writes it into zone id 0123\)/.source,
      ),
    ),
    "error s1._domainkey.mail.example.org: the plan writes s1._domainkey.mail.example.org into zone id 0123, " +
      "but domains.yaml puts it in zone example.org (id 023e105f4ecef8ad9ca31a8372d0c353)",
  ]);
});

test("a plan of the wrong shape gets clear errors naming the resource, never a TypeError", () => {
  const s1 = rec("s1._domainkey.mail.example.org");
  const at = (address: string, message: RegExp) => expect.stringMatching(new RegExp(`^error ${address.replace(/[.[\]]/g, "\\$&")}: ${message.source}`));
  const cases: [object, unknown[]][] = [
    [{ format_version: "1.2", resource_changes: "x" }, [at("resource_changes", /is a string, not a list of resource changes/)]],
    [{ format_version: "2.0", resource_changes: [] }, [at("format_version", /2\.0 is not a plan format this dkimctl reads \(1\.x\)/)]],
    [{ format_version: 1 }, [at("format_version", /is a number, not a version string such as "1\.2"/)]],
    [plan(null as unknown as object), [at("resource_changes[0]", /is null, not a resource change/)]],
    [plan({ address: "cloudflare_dns_record.a", mode: "managed", type: "cloudflare_dns_record" }), [at("cloudflare_dns_record.a", /has no change object/)]],
    [
      plan({ mode: "managed", type: "cloudflare_dns_record", change: { actions: ["create"], before: null, after: cf(s1) } }),
      [at("resource_changes[0]", /has no address/)],
    ],
    [
      plan({ address: "x.y", type: "cloudflare_dns_record", change: { actions: ["create"], before: null, after: cf(s1) } }),
      [at("x.y", /has mode undefined; Terraform writes "managed" or "data"/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", null as unknown as string[], null, cf(s1))),
      [at("cloudflare_dns_record.a", /change.actions is null, not a list of actions/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["explode"], null, cf(s1))),
      [at("cloudflare_dns_record.a", /change.actions \["explode"\] is not an action list Terraform writes/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["delete", "delete"], cf(s1), null)),
      [at("cloudflare_dns_record.a", /change.actions \["delete","delete"\] is not an action list/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["create"], "text" as unknown as object, cf(s1))),
      [at("cloudflare_dns_record.a", /change.before is a string, not an object or null/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["create"], null, 5 as unknown as object)),
      [at("cloudflare_dns_record.a", /change.after is a number, not an object or null/)],
    ],
    [plan(change("cloudflare_dns_record.a", ["create"], null, null)), [at("cloudflare_dns_record.a", /a create without change.after/)]],
    [plan(change("cloudflare_dns_record.a", ["delete"], null, null)), [at("cloudflare_dns_record.a", /a delete without change.before/)]],
    [plan(change("cloudflare_dns_record.a", ["create"], cf(s1), cf(s1))), [at("cloudflare_dns_record.a", /a create with a change.before/)]],
    [
      plan(change("aws_route53_record.a", ["create"], null, r53(s1, { records: "x" }), "aws_route53_record")),
      [at("aws_route53_record.a", /change.after.records is a string, not a list of strings/)],
    ],
    [
      plan(change("aws_route53_record.a", ["create"], null, r53(s1, { records: [1] }), "aws_route53_record")),
      [at("aws_route53_record.a", /change.after.records is a list holding a number, not a list of strings/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["create"], null, { ...cf(s1), content: 5 })),
      [at("cloudflare_dns_record.a", /change.after.content is a number, not a string/)],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["create"], null, { ...cf(s1), name: 7, ttl: "3600" })),
      [
        at("cloudflare_dns_record.a", /change.after.name is a number, not a string/),
        at("cloudflare_dns_record.a", /change.after.ttl is a string, not a number/),
      ],
    ],
    [
      plan(change("cloudflare_dns_record.a", ["create"], null, { ...cf(s1), name: "x".repeat(5000) })),
      [at("cloudflare_dns_record.a", /change.after.name "x{24}…" \(5000 characters\) is not a DNS name/)],
    ],
    [
      { ...plan(), prior_state: { values: { root_module: { resources: 5, child_modules: [null] } } } },
      [at("prior_state", /root_module.resources is a number, not a list/)],
    ],
  ];
  for (const [pl, expected] of cases) {
    let findings: string[] | string;
    try {
      findings = check(pl);
    } catch (e) {
      findings = `threw ${(e as Error).name}: ${(e as Error).message}`;
    }
    expect({ plan: JSON.stringify(pl).slice(0, 300), findings }).toEqual({ plan: JSON.stringify(pl).slice(0, 300), findings: expected });
  }
});

test("the command: a plan of the wrong shape exits 1 with the reason, no stack trace", async () => {
  const file = join(p.dir, "shape.json");
  writeFileSync(
    file,
    JSON.stringify({
      format_version: "1.2",
      resource_changes: [null, { address: "aws_route53_record.x", mode: "managed", type: "aws_route53_record", change: { actions: null } }],
    }),
  );
  const r = await dkimctl("check-plan", file, "--config", p.config);
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    "error: resource_changes[0]: is null, not a resource change: make the plan with 'terraform show -json PLANFILE'\n" +
      "error: aws_route53_record.x: change.actions is null, not a list of actions: make the plan with 'terraform show -json PLANFILE'\n",
  );
  expect(r.out).toBe(`${file}: 2 changes refused; do not apply this plan\n`);
});

test("adopt: true: the update of an imported record to the lock's key is no second key; without the import it is", async () => {
  const q = tempProject(`version: 1
zones:
  example.net: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
  example.net:
    selectors:
      s3: { key: ed25519, adopt: true }
`);
  expect((await dkimctl("keys", "--config", q.config)).code).toBe(0);
  const [s3] = desiredRecords(loadConfig(q.config), Lock.read(q.lock));
  const foreign = { ...s3, strings: ["v=DKIM1; k=rsa; p=fromanothertool"] };
  const zone = { zone_id: "Z0123456789ABCDEFGHIJ" };
  const update = change("aws_route53_record.s3", ["update"], r53(foreign, zone), r53(s3, zone), "aws_route53_record");
  const imported = { ...update, change: { ...update.change, importing: { id: "Z0123456789ABCDEFGHIJ_s3._domainkey.example.net_TXT" } } };
  const checkQ = (pl: object) => checkPlan(pl, loadConfig(q.config), Lock.read(q.lock)).map((f) => `${f.severity} ${f.name ?? f.address}: ${f.message}`);
  expect(checkQ(plan(imported))).toEqual([]);
  expect(checkQ(plan(update))).toEqual([
    expect.stringMatching(
      /^error s3._domainkey.example.net: the plan changes the key of selector s3 of example.net from sha256:.* a selector never gets a second key/,
    ),
  ]);
});

describe("a zone looked up by name is confirmed from the plan's own look-up (issue 21 item 5)", () => {
  const LOOKED_UP = `version: 1
zones:
  example.net: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.net:
    selectors:
      s1: { key: ed25519 }
  example.org:
    selectors:
      s1: { key: ed25519 }
`;
  let q: ReturnType<typeof tempProject>;
  let net: DesiredRecord;
  let org: DesiredRecord;
  beforeAll(async () => {
    q = tempProject(LOOKED_UP);
    expect((await dkimctl("keys", "--config", q.config)).code).toBe(0);
    [net, org] = desiredRecords(loadConfig(q.config), Lock.read(q.lock));
  });
  const checkQ = (pl: object) => checkPlan(pl, loadConfig(q.config), Lock.read(q.lock)).map((f) => `${f.severity} ${f.name ?? f.address}: ${f.message}`);
  /** A plan whose prior state holds the look-ups as Terraform reads them. */
  const withLookups = (lookups: object[], ...changes: object[]) => ({
    ...plan(...changes),
    prior_state: { format_version: "1.0", values: { root_module: { resources: lookups } } },
  });
  const route53Zone = (id: string, name: string, extra: object = {}) => ({
    address: "data.aws_route53_zone.zone",
    mode: "data",
    type: "aws_route53_zone",
    values: { id, zone_id: id, name, private_zone: false, ...extra },
  });
  const cloudflareZone = (id: string, name: string) => ({ address: "data.cloudflare_zone.zone", mode: "data", type: "cloudflare_zone", values: { id, name } });
  const createNet = (zoneId: string) => change("aws_route53_record.n", ["create"], null, r53(net, { zone_id: zoneId }), "aws_route53_record");
  const createOrg = (zoneId: string) => change("cloudflare_dns_record.o", ["create"], null, { ...cf(org), zone_id: zoneId });
  const pin = (zone: string, provider: string) => `set the zone's id in domains.yaml (zones: ${zone}: { provider: ${provider}, zoneId: ... }) and plan again`;

  test("the record goes into the id the look-up found for the zone's name: passes", () => {
    const cfId = "023e105f4ecef8ad9ca31a8372d0c353";
    expect(checkQ(withLookups([route53Zone("ZNET", "example.net"), cloudflareZone(cfId, "example.org")], createNet("ZNET"), createOrg(cfId)))).toEqual([]);
  });

  test("the right record, value and TTL in another zone (ZEVIL) is refused", () => {
    expect(checkQ(withLookups([route53Zone("ZNET", "example.net")], createNet("ZEVIL")))).toEqual([
      `error ${net.name}: the plan writes ${net.name} into zone id ZEVIL, which no look-up of zone example.net in the plan gave: ` +
        `domains.yaml puts it in zone example.net; ${pin("example.net", "route53")}`,
    ]);
  });

  test("a look-up that found another zone, or a private zone of the same name, does not confirm it", () => {
    expect(checkQ(withLookups([route53Zone("ZEVIL", "evil.example")], createNet("ZEVIL")))).toEqual([
      `error ${net.name}: the plan writes ${net.name} into zone id ZEVIL, the zone the plan's look-up data.aws_route53_zone.zone found as evil.example, ` +
        "but domains.yaml puts it in zone example.net",
    ]);
    expect(checkQ(withLookups([route53Zone("ZPRIV", "example.net", { private_zone: true })], createNet("ZPRIV")))).toEqual([
      `error ${net.name}: the plan writes ${net.name} into zone id ZPRIV, which no look-up of zone example.net in the plan gave: ` +
        `domains.yaml puts it in zone example.net; ${pin("example.net", "route53")}`,
    ]);
    expect(checkQ(withLookups([cloudflareZone("99999999999999999999999999999999", "example.com")], createOrg("99999999999999999999999999999999")))).toEqual([
      `error ${org.name}: the plan writes ${org.name} into zone id 99999999999999999999999999999999, ` +
        "the zone the plan's look-up data.cloudflare_zone.zone found as example.com, but domains.yaml puts it in zone example.org",
    ]);
  });

  test("a zone id not known until apply cannot be confirmed: refused, saying how to pin it", () => {
    const { zone_id: _, ...after } = r53(net);
    const unknown = change("aws_route53_record.n", ["create"], null, after, "aws_route53_record");
    const withUnknown = { ...unknown, change: { ...unknown.change, after_unknown: { zone_id: true } } };
    expect(checkQ(withLookups([], withUnknown))).toEqual([
      `error ${net.name}: the plan writes ${net.name} into zone id (unknown until apply): ` +
        `the look-up of zone example.net was not read during the plan, so the zone cannot be confirmed; ${pin("example.net", "route53")}`,
    ]);
  });
});

describe("a key zone's customer slots", () => {
  const KEYS = `version: 1
defaults: { key: ed25519 }
zones:
  keys.esp.example: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
customers:
  keys.esp.example:
    ttl: 3600
    rotation: { every: 6d, publishAhead: 1d, retireAfter: 2d }
    domains:
      shop.example:
      gone.example:
`;
  let q: ReturnType<typeof tempProject>;
  let before: DesiredRecord[];
  let after: DesiredRecord[];
  const at = (rs: DesiredRecord[], name: string) => rs.find((r) => r.name === name)!;
  const checkQ = (pl: object) => checkPlan(pl, loadConfig(q.config), Lock.read(q.lock)).map((f) => `${f.severity} ${f.name ?? f.address}: ${f.message}`);
  beforeAll(async () => {
    q = tempProject(KEYS);
    await dkimctl("keys", "--config", q.config);
    const t0 = Math.max(
      ...Lock.read(q.lock)
        .slotKeys()
        .map((k) => Date.parse(k.entry.created)),
    );
    const at = (days: number) => new Date(t0 + days * 86_400_000).toISOString();
    // verify found both slots delegated (the signing gate lets rotate switch to them).
    writeVerifiedStatus(q.lock, at(0));
    // esp1 signs, then esp2; esp1's first key retires, and two days later its slot takes generation 2.
    for (const day of [1, 7]) await dkimctl("rotate", "--config", q.config, "--now", at(day));
    before = desiredRecords(loadConfig(q.config), Lock.read(q.lock));
    expect((await dkimctl("rotate", "--config", q.config, "--now", at(10))).code).toBe(0);
    after = desiredRecords(loadConfig(q.config), Lock.read(q.lock));
  });
  const esp1 = "esp1.shop.example.keys.esp.example";
  const esp2 = "esp2.shop.example.keys.esp.example";

  test("the slot's next key, placed by rotate after the old one retired, passes", () => {
    expect(Lock.read(q.lock).slotKey("shop.example", "esp1")).toMatchObject({ generation: 2, state: "pending" });
    expect(checkQ(plan(change("cloudflare_dns_record.s", ["update"], cf(at(before, esp1)), cf(at(after, esp1)))))).toEqual([]);
  });

  test("a new key at the active slot is refused: a slot takes one only when rotate places it", () => {
    const other = { ...at(after, esp1), name: esp2 };
    expect(checkQ(plan(change("cloudflare_dns_record.s", ["update"], cf(at(after, esp2)), cf(other))))).toEqual([
      expect.stringMatching(/^error esp2\.shop\.example\.keys\.esp\.example: the plan publishes a key for esp2 of shop\.example that the lock does not have/),
    ]);
    // The lock changed behind the plan's back: the new key is generation 1 at a slot that had a key.
    const text = readFileSync(q.lock, "utf8");
    writeFileSync(q.lock, text.replace(/(\n {2}shop\.example:\n {4}esp1:\n(?: {6}.*\n)*? {6}generation: )2/, "$11"));
    try {
      expect(checkQ(plan(change("cloudflare_dns_record.s", ["update"], cf(at(before, esp1)), cf(at(after, esp1)))))).toEqual([
        expect.stringMatching(
          /^error esp1\.shop\.example\.keys\.esp\.example: the plan changes the key at slot esp1 of shop\.example from .* \(generation 1\)/,
        ),
      ]);
    } finally {
      writeFileSync(q.lock, text);
    }
  });

  test("deleting a customer's key is refused while it is a customer, and warned about once it is gone from domains.yaml", () => {
    const gone = at(after, "esp1.gone.example.keys.esp.example");
    const del = plan(change("cloudflare_dns_record.g", ["delete"], cf(gone), null));
    expect(checkQ(del)).toEqual([
      expect.stringMatching(
        /^error esp1\.gone\.example\.keys\.esp\.example: the plan deletes the record of (pending|active|retiring) selector esp1 of gone\.example/,
      ),
    ]);
    const text = readFileSync(q.config, "utf8");
    writeFileSync(q.config, text.replace("      gone.example:\n", ""));
    try {
      expect(checkQ(del)).toEqual([
        "warning esp1.gone.example.keys.esp.example: the plan deletes the key of slot esp1 of gone.example, no longer a customer in domains.yaml: " +
          "make sure the signer no longer signs for it (a new export) and that mail it signed has arrived",
      ]);
    } finally {
      writeFileSync(q.config, text);
    }
  });
});
