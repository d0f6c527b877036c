/**
 * check-plan on hand-built plans in `terraform show -json` form (the
 * Cloudflare provider cannot run here; Route53 plans made by real Terraform
 * are checked in the end-to-end suite).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { checkPlan } from "../src/plan/check-plan";
import { desiredRecords, DesiredRecord } from "../src/records";
import { quoteTxt } from "../src/dkim/txt";
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
const change = (address: string, actions: string[], before: object | null, after: object | null, type = "cloudflare_dns_record") => ({ address, mode: "managed", type, change: { actions, before, after } });
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
    "error s202601a._domainkey.example.org: the plan deletes the record of active selector s202601a of example.org: mail signed with it would fail to verify. Let dkimctl rotate retire it",
  ]);
});

test("replacing the pending key's record is refused; so is deleting a hand-written selector still in domains.yaml", () => {
  const pending = rec("s202606a._domainkey.example.org");
  const hand = rec("s1._domainkey.mail.example.org");
  expect(check(plan(change("cloudflare_dns_record.p", ["delete", "create"], cf(pending), cf(pending)), change("cloudflare_dns_record.h", ["delete"], cf(hand), null)))).toEqual([
    expect.stringMatching(/^error s202606a._domainkey.example.org: the plan replaces the record of pending selector s202606a of example.org: mail signed with it from the next rotation would fail to verify while the record is recreated/),
    expect.stringMatching(/^error s1._domainkey.mail.example.org: the plan deletes the record of active selector s1 of mail.example.org/),
  ]);
});

test("a key the lock does not have is refused", () => {
  const active = rec("s202601a._domainkey.example.org");
  const other = rec("s1._domainkey.mail.example.org").value.replace(/^.*p=/, "");
  const forged = { ...active, strings: undefined, value: `v=DKIM1; k=rsa; p=${other}` };
  expect(check(plan(change("cloudflare_dns_record.a", ["update"], cf(active), cf(forged))))).toEqual([
    expect.stringMatching(/^error s202601a._domainkey.example.org: the plan publishes a key for s202601a of example.org that the lock does not have \(lock sha256:[0-9a-f]{64}\)/),
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
    "error www.example.org: www.example.org is not a DKIM selector record (<selector>._domainkey.<domain>): it is not derived from domains.yaml",
    "error x1._domainkey.example.org: the plan creates x1._domainkey.example.org, which domains.yaml and the lock do not produce: run 'dkimctl records' to see what they do",
    "error cloudflare_zone.z: the plan deletes a cloudflare_zone, which dkimctl does not make: only DKIM records belong in these stacks",
  ]);
});

test("deleting a selector removed from domains.yaml is a warning; no-op and read changes are ignored", () => {
  const gone = { name: "old._domainkey.mail.example.org", type: "TXT", value: "v=DKIM1; k=rsa; p=" };
  expect(check(plan(change("cloudflare_dns_record.o", ["delete"], cf(gone), null), change("cloudflare_dns_record.n", ["no-op"], cf(gone), cf(gone))))).toEqual([
    "warning old._domainkey.mail.example.org: the plan deletes old._domainkey.mail.example.org, a selector no longer in domains.yaml: make sure no signer still uses it",
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
  expect((await dkimctl("check-plan", notPlan, "--config", p.config)).err).toMatch(/not a Terraform JSON plan: make it with 'terraform show -json PLANFILE > plan.json'/);
  expect((await dkimctl("check-plan", "--config", p.config)).code).toBe(2);
});
