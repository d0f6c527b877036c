/**
 * DMARC records and a parked domain's DKIM null record (a wildcard name)
 * through real Terraform and the offline AWS provider against moto: deploy
 * publishes exactly what `dkimctl records` lists, a re-plan shows no drift,
 * and check-plan judges a real plan that weakens the published DMARC policy.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseQuotedTxt } from "../src/dkim/txt";
import { cdktfProject, destroyStacks, projectCommand } from "./support/cdktf-project";
import { MotoServer, requireMoto } from "./support/moto";
import { dkimctl } from "./support/project";
import { requireTerraform, terraform, terraformEnv } from "./support/terraform";

jest.setTimeout(300_000);

const yaml = (zoneId: string, policy: string) => `version: 1
defaults:
  dmarc: { policy: none, rua: [mailto:dmarc@example.com] }
zones:
  example.com: { provider: route53, zoneId: "${zoneId}" }
domains:
  example.com:
    dmarc: { policy: ${policy}, subdomainPolicy: quarantine, adkim: strict, rua: [mailto:dmarc@example.com, mailto:x@reports.example.net] }
    selectors: { e1: { key: ed25519 } }
  parked.example.com: { parked: true }
`;

let moto: MotoServer;
let project: ReturnType<typeof cdktfProject>;
let env: NodeJS.ProcessEnv;
let zoneId: string;

const deploy = (...stacks: string[]) => projectCommand(["deploy", ...stacks, "--auto-approve"], { cwd: project.dir, env });
const outcome = (r: { code: number; out: string }) => ({ code: r.code, out: r.code === 0 ? "" : `${r.out}\nmoto's log:\n${moto.logTail()}` });

beforeAll(async () => {
  requireTerraform();
  requireMoto();
  moto = await MotoServer.start();
  zoneId = await moto.createZone("example.com");
  project = cdktfProject(yaml(zoneId, "reject"));
  expect((await dkimctl("keys", "--config", project.config)).code).toBe(0);
  env = terraformEnv(moto.env());
});
afterAll(() => moto?.stop());

test("deploy publishes the DMARC, null and DKIM records exactly as records lists them, and a re-plan shows no drift", async () => {
  expect(outcome(await deploy("example-com"))).toEqual({ code: 0, out: "" });
  const served = (await moto.records(zoneId))
    .filter((r) => r.type === "TXT")
    // Route53 spells a wildcard label \052.
    .map((r) => [r.name.replace(/\.$/, "").replace(/^\\052\./, "*."), r.ttl, parseQuotedTxt(r.values[0]).join("")]);
  const wanted = JSON.parse((await dkimctl("records", "--format", "json", "--config", project.config)).out) as { name: string; ttl: number; value: string }[];
  expect(served.sort()).toEqual(wanted.map((r) => [r.name, r.ttl, r.value]).sort());
  expect(wanted.map((r) => r.name)).toEqual([
    "_dmarc.example.com",
    "_dmarc.parked.example.com",
    "*._domainkey.parked.example.com",
    "e1._domainkey.example.com",
  ]);
  const diff = await projectCommand(["plan", "example-com"], { cwd: project.dir, env });
  expect(diff.code).toBe(0);
  expect(diff.out).toMatch(/No changes\. Your infrastructure matches the configuration\./);
});

/** Synthesizes the current domains.yaml and returns the JSON of a saved plan of the stack. */
async function planJson(): Promise<string> {
  expect((await projectCommand(["synth"], { cwd: project.dir, env })).code).toBe(0);
  const dir = join(project.dir, "cdktf.out", "stacks", "example-com");
  const run = (...args: string[]) => {
    const r = terraform(args, { cwd: dir, env });
    if (r.status !== 0 && !(args[0] === "plan" && r.status === 2)) throw new Error(`terraform ${args.join(" ")} failed:\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  run("init", "-input=false", "-no-color");
  // The state sits in the project directory, where dkimctl deploy left it.
  run("plan", "-input=false", "-no-color", `-state=${join(project.dir, "terraform.example-com.tfstate")}`, "-out=tfplan");
  const file = join(dir, "plan.json");
  writeFileSync(file, run("show", "-json", "tfplan").stdout);
  return file;
}

test("check-plan: a real plan weakening p=reject to none passes with a warning only when domains.yaml asks for it", async () => {
  const asked = yaml(zoneId, "none");
  writeFileSync(project.config, asked);
  const plan = await planJson();
  const changes = (JSON.parse(readFileSync(plan, "utf8")) as { resource_changes: { address: string; change: { actions: string[] } }[] }).resource_changes;
  expect(changes.filter((c) => c.change.actions.join() !== "no-op").map((c) => [c.address, c.change.actions.join()])).toEqual([
    ["aws_route53_record.dmarc_example_com", "update"],
  ]);
  const ok = await dkimctl("check-plan", plan, "--config", project.config);
  expect(ok.code).toBe(0);
  expect(ok.err).toMatch(/weakens the DMARC policy of example.com from p=reject, sp=quarantine to p=none, sp=quarantine, as domains.yaml asks/);
  // The same plan, judged against the domains.yaml that still says reject: refused.
  writeFileSync(project.config, yaml(zoneId, "reject"));
  const refused = await dkimctl("check-plan", plan, "--config", project.config);
  expect(refused.code).toBe(1);
  expect(refused.err).toMatch(/weakens the DMARC policy of example.com .* which domains.yaml does not ask for \(it gives p=reject, sp=quarantine\)/);
});

test("destroy removes every record it made", async () => {
  writeFileSync(project.config, yaml(zoneId, "reject"));
  expect((await projectCommand(["synth"], { cwd: project.dir, env })).code).toBe(0);
  const failed = await destroyStacks(project.dir, ["example-com"], env);
  expect(failed === undefined ? "" : `${failed}\nmoto's log:\n${moto.logTail()}`).toBe("");
  expect((await moto.records(zoneId)).filter((r) => r.type === "TXT")).toEqual([]);
});
