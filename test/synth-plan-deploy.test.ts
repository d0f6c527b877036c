/**
 * dkimctl synth | plan | deploy, the scripts `dkimctl init` writes: cdktf.json's
 * app and Terraform run directly, with no cdktf CLI. What synth writes is
 * what the app writes as cdktf synth runs it; plan offline without a
 * provider mirror fails in `terraform init` and says exactly what to set up;
 * mistakes are refused before anything runs. The happy path against an
 * emulator is in playground.test.ts and deploy-e2e.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cdktfProject, projectCommand, stackBlocks } from "./support/cdktf-project";
import { dkimctl, synthApp, tempDir } from "./support/project";
import { terraformEnv } from "./support/terraform";

jest.setTimeout(120_000);

const YAML = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.com: { selectors: { s1: { key: ed25519 } } }
  example.org: { selectors: { s1: { key: ed25519 } } }
`;

let project: ReturnType<typeof cdktfProject>;
beforeAll(async () => {
  project = cdktfProject(YAML);
  expect((await dkimctl("keys", "--config", project.config)).code).toBe(0);
});

/** Every file under `dir`, by relative path. */
const files = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => [join(f.parentPath, f.name).slice(dir.length + 1), readFileSync(join(f.parentPath, f.name), "utf8")]),
  );

test("synth writes what the app writes as cdktf synth runs it, and removes an earlier stack the app no longer writes unless it holds state", async () => {
  const out = join(project.dir, "cdktf.out");
  // Stacks an earlier synth left: one without state (removed), one with (kept, and said so).
  for (const name of ["gone-example", "kept-example"]) {
    mkdirSync(join(out, "stacks", name), { recursive: true });
    writeFileSync(join(out, "stacks", name, "cdk.tf.json"), "{}");
  }
  writeFileSync(join(out, "stacks", "kept-example", "terraform.kept-example.tfstate"), "{}");
  const r = await projectCommand(["synth"], { cwd: project.dir, env: process.env });
  expect(r.code).toBe(0);
  expect(r.out).toContain("synthesized 2 stacks into cdktf.out: example-com, example-org\n");
  expect(r.out).toContain(
    "warning: cdktf.out/stacks/kept-example is left as it is: the app no longer writes stack kept-example, and it holds terraform.kept-example.tfstate\n",
  );
  expect(readdirSync(join(out, "stacks")).sort()).toEqual(["example-com", "example-org", "kept-example"]);

  // The same files as the app run directly (what cdktf synth runs) into a directory beside cdktf.out.
  const direct = join(project.dir, "app-out");
  expect(synthApp(project.config, direct).code).toBe(0);
  const written = files(out);
  delete written["stacks/kept-example/cdk.tf.json"];
  delete written["stacks/kept-example/terraform.kept-example.tfstate"];
  expect(written).toEqual(files(direct));
});

test("plan offline without a provider mirror: each stack's init fails, shown whole; each error names the providers, platform and fix", async () => {
  // A CLI configuration that installs providers from the registry, which this machine cannot reach.
  const rc = join(tempDir(), "direct.tfrc");
  writeFileSync(rc, "provider_installation {\n  direct {}\n}\n");
  // Both stacks at once (--parallelism 2): each one's output comes whole, under its own header.
  const r = await projectCommand(["plan", "--parallelism", "2"], { cwd: project.dir, env: { ...terraformEnv(), TF_CLI_CONFIG_FILE: rc } });
  expect(r.code).toBe(1);
  const blocks = stackBlocks(r.out);
  expect(Object.keys(blocks).sort()).toEqual(["example-com", "example-org"]);
  expect(blocks["example-com"]).toMatch(/Finding hashicorp\/aws versions[\s\S]*could not connect to registry\.terraform\.io/);
  expect(blocks["example-com"]).not.toContain("cloudflare/cloudflare versions");
  expect(blocks["example-org"]).toMatch(/Finding cloudflare\/cloudflare versions[\s\S]*could not connect to registry\.terraform\.io/);
  expect(blocks["example-org"]).not.toContain("hashicorp/aws versions");
  expect(r.out).toContain("error: terraform init failed in cdktf.out/stacks/example-com\n");
  expect(r.out).toContain(
    "hint: Terraform could not install registry.terraform.io/hashicorp/aws 5.100.0. Without network, Terraform installs providers only from a " +
      "filesystem mirror: a directory holding registry.terraform.io/hashicorp/aws 5.100.0 for linux_amd64 ('terraform providers mirror DIR' writes one " +
      `on a machine with network), named in the CLI configuration that TF_CLI_CONFIG_FILE names (${rc}) by provider_installation ` +
      `{ filesystem_mirror { path = "DIR" } } (docs/install.md, 'Offline and air-gapped')`,
  );
  expect(r.out).toContain(
    "error: terraform init failed in cdktf.out/stacks/example-org\nhint: Terraform could not install registry.terraform.io/cloudflare/cloudflare 5.14.0.",
  );
  // With the mirror, which holds the AWS provider only, Cloudflare's stack alone fails, and says which provider it lacks.
  const cf = await projectCommand(["plan", "example-org"], { cwd: project.dir, env: terraformEnv() });
  expect(cf.code).toBe(1);
  expect(cf.out).toContain("hint: Terraform could not install registry.terraform.io/cloudflare/cloudflare 5.14.0.");
  expect((await projectCommand(["plan", "--parallelism", "0"], { cwd: project.dir, env: process.env })).out).toContain(
    "error: --parallelism must be a whole number from 1, not '0'",
  );
});

test("a stack that is not one, deploy unattended without --auto-approve, and no terraform: refused, each saying what to do", async () => {
  const unknown = await projectCommand(["plan", "example-co"], { cwd: project.dir, env: process.env });
  expect(unknown.code).toBe(2);
  expect(unknown.out).toContain(
    "error: no stack 'example-co' (did you mean 'example-com'?): the stacks are example-com, example-org ('dkimctl stacks' lists them)\n",
  );

  const dir = tempDir();
  writeFileSync(join(dir, "domains.yaml"), YAML);
  const unattended = await projectCommand(["deploy"], { cwd: dir, env: process.env });
  expect(unattended.code).toBe(2);
  expect(unattended.out).toContain("error: terraform apply asks before it changes anything, and stdin is not a terminal: give --auto-approve\n");
  expect(readdirSync(dir)).toEqual(["domains.yaml"]);
  expect((await dkimctl("keys", "--config", join(dir, "domains.yaml"))).code).toBe(0);

  // No cdktf.json: where it was looked for, and what to do.
  const none = await projectCommand(["synth"], { cwd: dir, env: process.env });
  expect(none.code).toBe(1);
  expect(none.out).toContain(`error: no cdktf.json in ${dir}: run this in the project's directory, or write the project with 'dkimctl init'\n`);

  // Only node on PATH (the app runs with it), no terraform.
  const bin = tempDir("dkimctl-path-");
  symlinkSync(process.execPath, join(bin, "node"));
  const noTerraform = await projectCommand(["plan"], { cwd: project.dir, env: { ...process.env, PATH: bin } });
  expect(noTerraform.code).toBe(1);
  expect(noTerraform.out).toContain(
    "error: terraform is not on PATH: install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install), then run this again\n",
  );
});
