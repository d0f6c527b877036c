/**
 * check-plan on DMARC records and a parked domain's DKIM null record, with
 * hand-built plans in `terraform show -json` form (Route53 plans made by
 * real Terraform are checked in test/dmarc-terraform.test.ts).
 */
import { loadConfig } from "../src/config/load";
import { quoteTxt } from "../src/dkim/txt";
import { Lock } from "../src/keys/lock";
import { checkPlan } from "../src/plan/check-plan";
import { desiredRecords } from "../src/records";
import { dkimctl, tempProject } from "./support/project";
import { rewrite } from "./support/keyed-project";

const yaml = (policy: string) => `version: 1
defaults:
  dmarc: { policy: none, rua: [mailto:dmarc@example.org] }
zones:
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.org:
    dmarc: { policy: ${policy}, subdomainPolicy: quarantine }
    selectors: { s1: {} }
  news.example.org: { dmarc: false, selectors: { s1: {} } }
  parked.example.org: { parked: true }
`;

const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
const REJECT = "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.org";
const NONE = "v=DMARC1; p=none; sp=quarantine; rua=mailto:dmarc@example.org";
const PARKED = "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc@example.org";

let p: ReturnType<typeof tempProject>;
beforeAll(async () => {
  p = tempProject(yaml("reject"));
  await dkimctl("keys", "--config", p.config);
});

const cf = (name: string, value: string, ttl = 3600) => ({ name, type: "TXT", ttl, zone_id: ZONE_ID, content: quoteTxt([value]) });
const change = (address: string, actions: string[], before: object | null, after: object | null) => ({
  address,
  mode: "managed",
  type: "cloudflare_dns_record",
  change: { actions, before, after },
});
const plan = (...resource_changes: object[]) => ({ format_version: "1.2", resource_changes });
const check = (pl: object, policy = "reject") => {
  rewrite(p.config, yaml(policy));
  return checkPlan(pl, loadConfig(p.config), Lock.read(p.lock)).map((f) => `${f.severity} ${f.name ?? f.address}: ${f.message}`);
};

test("the desired DMARC and null records pass, and are what records lists", () => {
  const records = desiredRecords(loadConfig(p.config), Lock.read(p.lock));
  const mail = records.filter((r) => !r.name.startsWith("s1."));
  expect(mail.map((r) => [r.kind, r.name, r.value])).toEqual([
    ["dmarc", "_dmarc.example.org", REJECT],
    ["dmarc", "_dmarc.parked.example.org", PARKED],
    ["dkim-null", "*._domainkey.parked.example.org", "v=DKIM1; p="],
  ]);
  expect(check(plan(...mail.map((r) => change(`cloudflare_dns_record.${r.name}`, ["create"], null, cf(r.name, r.value)))))).toEqual([]);
});

test("weakening p= is refused unless domains.yaml asks for exactly that, and then it is a warning", () => {
  const weaken = plan(change("cloudflare_dns_record.dmarc_example_org", ["update"], cf("_dmarc.example.org", REJECT), cf("_dmarc.example.org", NONE)));
  expect(check(weaken)).toEqual([
    "error _dmarc.example.org: the plan weakens the DMARC policy of example.org from p=reject, sp=quarantine to p=none, sp=quarantine, " +
      "which domains.yaml does not ask for (it gives p=reject, sp=quarantine): re-run 'cdktf synth' from this commit and plan again",
  ]);
  expect(check(weaken, "none")).toEqual([
    "warning _dmarc.example.org: the plan weakens the DMARC policy of example.org from p=reject, sp=quarantine to p=none, sp=quarantine, " +
      "as domains.yaml asks",
  ]);
  // Tightening is no warning; a value domains.yaml does not give is refused all the same.
  expect(check(plan(change("d", ["update"], cf("_dmarc.example.org", NONE), cf("_dmarc.example.org", REJECT))))).toEqual([]);
  expect(check(plan(change("d", ["update"], cf("_dmarc.example.org", NONE), cf("_dmarc.example.org", `${REJECT}; t=y`))))).toEqual([
    expect.stringMatching(/^error _dmarc.example.org: the plan publishes TXT 'v=DMARC1; p=reject; .*; t=y' where domains.yaml gives/),
  ]);
});

test("weakening sp= alone, or replacing the record with one that is no DMARC policy, is refused too", () => {
  const spNone = "v=DMARC1; p=reject; sp=none; rua=mailto:dmarc@example.org";
  expect(check(plan(change("d", ["update"], cf("_dmarc.example.org", REJECT), cf("_dmarc.example.org", spNone))))).toEqual([
    expect.stringMatching(/^error _dmarc.example.org: the plan weakens .* to p=reject, sp=none, which domains.yaml does not ask for/),
  ]);
  expect(check(plan(change("d", ["update"], cf("_dmarc.example.org", REJECT), cf("_dmarc.example.org", "v=spf1 -all"))))).toEqual([
    expect.stringMatching(/^error _dmarc.example.org: the plan weakens .* to no DMARC policy, which domains.yaml does not ask for/),
  ]);
});

test("deleting a DMARC record domains.yaml still publishes is refused; one it no longer publishes is a warning", () => {
  expect(check(plan(change("d", ["delete"], cf("_dmarc.example.org", REJECT), null)))).toEqual([
    "error _dmarc.example.org: the plan deletes the DMARC record of example.org, which domains.yaml still publishes: " +
      "receivers then apply the organizational domain's record (its sp=), or no DMARC policy at all. " +
      "Change the record in place (the zone and name must not change)",
  ]);
  expect(check(plan(change("d", ["delete"], cf("_dmarc.news.example.org", REJECT), null)))).toEqual([
    "warning _dmarc.news.example.org: the plan removes the DMARC record of news.example.org (p=reject, sp=quarantine), as domains.yaml asks: " +
      "receivers then apply the organizational domain's record (its sp=), or no DMARC policy at all",
  ]);
  // A rename moves the record away from its name: the old name is deleted.
  expect(check(plan(change("d", ["update"], cf("_dmarc.parked.example.org", PARKED), cf("_dmarc.example.org", REJECT))))).toEqual([
    expect.stringMatching(
      /^error _dmarc.parked.example.org: the plan deletes the DMARC record of parked.example.org \(this resource now makes _dmarc.example.org\)/,
    ),
  ]);
});

test("forgetting a published DMARC record is refused; creating over one already in the zone names dmarc adopt", () => {
  expect(check(plan(change("d", ["forget"], cf("_dmarc.example.org", REJECT), null)))).toEqual([
    expect.stringMatching(/^error _dmarc.example.org: the plan forgets _dmarc.example.org .* domains.yaml still publishes it/),
  ]);
  const withExisting = {
    ...plan(change("d", ["create"], null, cf("_dmarc.example.org", REJECT))),
    prior_state: {
      values: {
        root_module: {
          resources: [{ address: "data.aws_route53_records.dkimctl_existing", values: { resource_record_sets: [{ name: "_dmarc.example.org." }] } }],
        },
      },
    },
  };
  expect(check(withExisting)).toEqual([expect.stringMatching(/set 'adopt: true' in the dmarc of example.org in domains.yaml/)]);
});

test("TTL and zone of a DMARC record are compared as a DKIM record's are; the parked null record is a DKIM record", () => {
  expect(check(plan(change("d", ["create"], null, cf("_dmarc.example.org", REJECT, 300))))).toEqual([
    "error _dmarc.example.org: the plan sets TTL 300 on _dmarc.example.org where domains.yaml gives 3600",
  ]);
  expect(
    check(plan(change("n", ["update"], cf("*._domainkey.parked.example.org", "v=DKIM1; p="), cf("*._domainkey.parked.example.org", "v=DKIM1; p=x")))),
  ).toEqual([
    expect.stringMatching(/^error \*._domainkey.parked.example.org: the plan publishes a key for \* of parked.example.org that the lock does not have/),
  ]);
});
