/**
 * An upgrade across the faster synth (#20) plans no change: a Route53 stack
 * deployed into moto with what dkimctl synthesized before it (the golden
 * cdk.tf.json of the generated 1,000-domain project, written from main at
 * 6f9fcfb: one binding construct per record), then planned with what the
 * checkout under test synthesizes for the same project: Terraform finds
 * nothing to change in the state the old layout left. Both stacks keep the
 * records of the same four domains (12 of 300: each kind of record, a
 * 2048-bit TXT of two strings, an Ed25519 TXT and a CNAME), as moto takes
 * minutes for hundreds of changes; test/golden.test.ts holds every block of
 * every stack to the old bytes.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateConfig } from "../bench/generate";
import { readGolden } from "./support/golden";
import { MotoServer, requireMoto } from "./support/moto";
import { synthApp, tempDir } from "./support/project";
import { requireTerraform, terraform, terraformEnv } from "./support/terraform";

jest.setTimeout(600_000);

/** A stack of the fixture whose zone is looked up by name (moto issues its own zone ids): 100 domains, 300 records. */
const STACK = "r53-002-bench-example";
const ZONE = "r53-002.bench.example";
const SAMPLE = /_d0000[0-3]2_r53-002_bench_example$/;

/** A stack's cdk.tf.json with the records of the sample's domains only, the rest as it is. */
function sample(text: string): string {
  const doc = JSON.parse(text);
  const records: Record<string, unknown> = doc.resource.aws_route53_record;
  doc.resource.aws_route53_record = Object.fromEntries(Object.entries(records).filter(([id]) => SAMPLE.test(id)));
  expect(Object.keys(doc.resource.aws_route53_record)).toHaveLength(12);
  return JSON.stringify(doc, null, 2);
}

let moto: MotoServer;
beforeAll(async () => {
  requireTerraform();
  requireMoto();
  moto = await MotoServer.start();
});
afterAll(() => moto?.stop());

test("state applied from the old synth's stack, planned with the new synth's: no changes", async () => {
  const zoneId = await moto.createZone(ZONE);
  const project = tempDir();
  const { size, ...options } = JSON.parse(readFileSync(join(__dirname, "fixtures", "golden", "generated-1000", "generate.json"), "utf8"));
  generateConfig(project, size, options);
  const env = terraformEnv(moto.env());
  const run = (dir: string, ...args: string[]) => {
    const r = terraform(args, { cwd: dir, env });
    return { args: args.join(" "), status: r.status, out: r.status === 0 ? "" : `${r.stdout}\n${r.stderr}\nmoto's log:\n${moto.logTail()}` };
  };

  // Both stacks' directories sit at the same depth under the project, so their local backend names the same state file.
  const old = join(project, "old.out", "stacks", STACK);
  mkdirSync(old, { recursive: true });
  const before = readGolden("generated-1000").get(`app-${STACK}-cdk.tf.json`)!;
  writeFileSync(join(old, "cdk.tf.json"), sample(before));
  expect(run(old, "init", "-input=false")).toEqual({ args: "init -input=false", status: 0, out: "" });
  expect(run(old, "apply", "-auto-approve", "-input=false")).toEqual({ args: "apply -auto-approve -input=false", status: 0, out: "" });
  const published = (await moto.records(zoneId)).filter((r) => r.type !== "SOA" && r.type !== "NS");
  expect(published).toHaveLength(12);

  expect(synthApp(join(project, "domains.yaml"), join(project, "new.out"))).toMatchObject({ code: 0 });
  const now = join(project, "new.out", "stacks", STACK);
  writeFileSync(join(now, "cdk.tf.json"), sample(readFileSync(join(now, "cdk.tf.json"), "utf8")));
  expect(run(now, "init", "-input=false")).toEqual({ args: "init -input=false", status: 0, out: "" });
  const plan = terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color"], { cwd: now, env });
  // -detailed-exitcode: 0 is no changes, 2 is changes, 1 an error.
  expect({ status: plan.status, err: plan.stderr }).toEqual({ status: 0, err: "" });
  expect(plan.stdout).toContain("No changes. Your infrastructure matches the configuration.");
});
