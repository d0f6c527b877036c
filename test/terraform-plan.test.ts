/**
 * Every synthesized Route53 stack passes `terraform validate` and plans
 * exactly the desired records with the real AWS provider (offline mirror),
 * against the Route53 stand-in.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { desiredRecords } from "../src/records";
import { Route53Endpoint } from "./support/route53-endpoint";
import { requireTerraform, terraform, terraformEnv } from "./support/terraform";
import { findSecrets } from "./support/secrets";
import { dkimctl, synthApp, tempDir } from "./support/project";
import { keyedProject } from "./support/keyed-project";

const YAML = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.net: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      s1: {}
      big: { key: rsa-4096 }
      e1: { key: ed25519 }
  news.example.com:
    selectors:
      s1: { testing: true }
  example.net:
    selectors:
      given: { txt: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" }
      del: { cname: del.dkim.provider.example }
  example.org:
    selectors:
      s1: {}
`;

let endpoint: Route53Endpoint;
beforeAll(async () => {
  requireTerraform();
  endpoint = await Route53Endpoint.start();
  endpoint.createZone("example.com", { id: "Z0123456789ABCDEFGHIJ" });
  endpoint.createZone("example.net");
});
afterAll(() => endpoint?.stop());

test("terraform validate and plan of every Route53 stack: exactly the desired records, check-plan passes, no key material", async () => {
  const p = await keyedProject(YAML);
  const out = tempDir();
  // State paths are relative to where the app runs: keep them in the temp project.
  const s = synthApp(p.config, out);
  expect(s.code).toBe(0);
  const records = desiredRecords(loadConfig(p.config), Lock.read(p.lock));
  const pems = readdirSync(p.store, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => readFileSync(join(f.parentPath, f.name), "utf8"));
  expect(pems).toHaveLength(5);
  const env = terraformEnv(endpoint.env());
  for (const stack of ["example-com", "example-net"]) {
    const dir = join(out, "stacks", stack);
    const run = (...args: string[]) => {
      const r = terraform(args, { cwd: dir, env });
      if (r.status !== 0 && !(args[0] === "plan" && r.status === 2))
        throw new Error(`terraform ${args.join(" ")} failed in ${stack}:\n${r.stderr}\n${r.stdout}`);
      return r;
    };
    run("init", "-input=false", "-no-color");
    expect(run("validate", "-no-color").stdout).toContain("Success! The configuration is valid.");
    const plan = run("plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=tfplan");
    expect(plan.status).toBe(2); // changes present
    const json = run("show", "-json", "tfplan").stdout;
    const changes = JSON.parse(json).resource_changes.filter((c: { mode: string }) => c.mode === "managed");
    const zone = stack.replace("-", ".");
    const wanted = records.filter((r) => r.zone === zone);
    expect(changes.map((c: { change: { actions: string[]; after: { name: string } } }) => [c.change.actions.join(), c.change.after.name]).sort()).toEqual(
      wanted.map((r) => ["create", r.name]).sort(),
    );
    for (const c of changes) {
      const r = wanted.find((w) => w.name === c.change.after.name)!;
      expect(c.change.after).toMatchObject({ type: r.type, ttl: r.ttl, records: [r.type === "TXT" ? r.strings.join('""') : r.value] });
    }
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, json);
    const check = await dkimctl("check-plan", planFile, "--config", p.config);
    expect([check.code, check.err.split("\n").filter((l) => !l.startsWith("warning:") && l)]).toEqual([0, []]);
    expect(findSecrets(json + plan.stdout + plan.stderr + readFileSync(join(dir, "tfplan"), "latin1"), pems)).toEqual([]);
  }
  // The provider looked the unnamed zone up by name, and never wrote anything.
  const actions = endpoint.requests.map((r) => r.action);
  expect(actions).toContain("ListHostedZones");
  expect(actions).not.toContain("ChangeResourceRecordSets");
});

test("a plan that writes a looked-up zone's record into another zone (ZEVIL) is refused by check-plan (issue 21 item 5)", async () => {
  const p = await keyedProject(YAML);
  const out = tempDir();
  expect(synthApp(p.config, out).code).toBe(0);
  const evil = endpoint.createZone("evil.example");
  // The stack as a hostile or careless change would leave it: one record's zone id is another zone's, everything else right.
  const dir = join(out, "stacks", "example-net");
  const file = join(dir, "cdk.tf.json");
  const tf = JSON.parse(readFileSync(file, "utf8"));
  tf.resource.aws_route53_record.dkim_given__domainkey_example_net.zone_id = evil;
  writeFileSync(file, JSON.stringify(tf));
  const env = terraformEnv(endpoint.env());
  for (const args of [
    ["init", "-input=false", "-no-color"],
    ["plan", "-input=false", "-no-color", "-out=tfplan"],
  ]) {
    const r = terraform(args, { cwd: dir, env });
    if (r.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${r.stderr}`);
  }
  const planFile = join(dir, "plan.json");
  writeFileSync(planFile, terraform(["show", "-json", "tfplan"], { cwd: dir, env }).stdout);
  const check = await dkimctl("check-plan", planFile, "--config", p.config);
  expect(check.code).toBe(1);
  expect(check.err).toContain(
    `error: aws_route53_record.dkim_given__domainkey_example_net (given._domainkey.example.net): the plan writes given._domainkey.example.net ` +
      `into zone id ${evil}, which no look-up of zone example.net in the plan gave`,
  );
  expect(check.out).toBe(`${planFile}: 1 change refused; do not apply this plan\n`);
});
