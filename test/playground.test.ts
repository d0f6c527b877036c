/**
 * dkimctl playground: the project deployed and planned against moto's AWS
 * emulator with the project's own commands, in one command; the playground's
 * state apart from the project's (its backend and zone ids unused); what it
 * needs said when it is missing; a directory not its own never emptied.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cdktfProject, projectCommand } from "./support/cdktf-project";
import { requireMoto } from "./support/moto";
import { dkimctl, ROOT, tempDir } from "./support/project";
import { requireTerraform, terraformEnv } from "./support/terraform";

jest.setTimeout(300_000);

// A real project's settings the playground must not use: an S3 backend, a zone id of AWS's, a Cloudflare zone.
const YAML = `version: 1
backend: { s3: { bucket: my-tf-state, region: eu-west-1 } }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.com: { selectors: { s1: { key: ed25519 } } }
  example.org: { selectors: { s1: { key: ed25519 } } }
`;
const BIN = `${process.execPath} ${join(ROOT, "bin", "dkimctl.js")}`;

let project: ReturnType<typeof cdktfProject>;
beforeAll(async () => {
  requireTerraform();
  requireMoto();
  project = cdktfProject(YAML);
  expect((await dkimctl("keys", "--config", project.config)).code).toBe(0);
});

test("deploy, then plan again, against the emulator in one command: state in .dkimctl-playground, never the project's backend", async () => {
  const r = await projectCommand(["playground", "--", "sh", "-c", `${BIN} deploy --auto-approve && ${BIN} plan && exit 7`], {
    cwd: project.dir,
    env: terraformEnv(),
  });
  // The command's exit status is the playground's.
  expect({ code: r.code, out: r.code === 7 ? "" : r.out }).toEqual({ code: 7, out: "" });
  const url = /^playground: moto's AWS emulator on (http:\/\/127\.0\.0\.1:\d+), with the zone example\.com \([A-Z0-9]+\)$/m.exec(r.out)?.[1];
  expect(url).toBeDefined();
  expect(r.out).toContain(
    "  left out: example.org (cloudflare): no local emulator of Cloudflare's API runs here: the playground leaves Cloudflare zones out\n",
  );
  expect(r.out).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
  expect(r.out).toContain("No changes. Your infrastructure matches the configuration.");

  // Only the Route53 stack, looked up by name, with local state in the playground's directory.
  expect(readdirSync(join(project.dir, "cdktf.out", "stacks"))).toEqual(["example-com"]);
  const stack = JSON.parse(readFileSync(join(project.dir, "cdktf.out", "stacks", "example-com", "cdk.tf.json"), "utf8"));
  expect(stack.terraform.backend).toEqual({ local: { path: "../../../.dkimctl-playground/terraform.example-com.tfstate" } });
  expect(JSON.stringify(stack)).not.toContain("Z0123456789ABCDEFGHIJ");
  expect(readdirSync(join(project.dir, ".dkimctl-playground")).sort()).toEqual(["ABOUT.txt", "moto.log", "terraform.example-com.tfstate"]);
  expect(readdirSync(project.dir).filter((f) => f.includes("tfstate"))).toEqual([]);
  // terraform init's data apart (TF_DATA_DIR): a real init in the stack later finds no playground backend to migrate from.
  expect(readdirSync(join(project.dir, "cdktf.out", "stacks", "example-com")).filter((f) => f.startsWith(".terraform"))).toEqual([
    ".terraform-playground",
    ".terraform.lock.hcl",
  ]);
  // The emulator stopped with the command.
  await expect(fetch(`${url}/moto-api/`)).rejects.toThrow();

  // Without the playground, the same command synthesizes the project as it is: its backend and zone id again.
  expect((await projectCommand(["synth"], { cwd: project.dir, env: process.env })).code).toBe(0);
  const real = JSON.parse(readFileSync(join(project.dir, "cdktf.out", "stacks", "example-com", "cdk.tf.json"), "utf8"));
  expect(Object.keys(real.terraform.backend)).toEqual(["s3"]);
  expect(JSON.stringify(real)).toContain("Z0123456789ABCDEFGHIJ");
});

test("without moto_server it says what to install; a .dkimctl-playground it did not make is refused and left as it is", async () => {
  const bin = tempDir("dkimctl-path-");
  symlinkSync(process.execPath, join(bin, "node"));
  const noMoto = await projectCommand(["playground", "--", "true"], { cwd: project.dir, env: { ...process.env, PATH: bin } });
  expect(noMoto.code).toBe(1);
  expect(noMoto.out).toContain(
    "error: moto_server is not on PATH: the playground runs moto's AWS emulator; install it with pip install 'moto[server]' " +
      `(Python 3.9 or later; 'pipx install "moto[server]"' keeps it apart)\n`,
  );

  const dir = tempDir();
  writeFileSync(join(dir, "domains.yaml"), YAML);
  expect((await dkimctl("keys", "--config", join(dir, "domains.yaml"))).code).toBe(0);
  mkdirSync(join(dir, ".dkimctl-playground"));
  writeFileSync(join(dir, ".dkimctl-playground", "terraform.example-com.tfstate"), "mine");
  const refused = await projectCommand(["playground", "--", "true"], { cwd: dir, env: process.env });
  expect(refused.code).toBe(1);
  expect(refused.out).toContain(
    `error: ${join(dir, ".dkimctl-playground")} exists and was not made by dkimctl playground (no ABOUT.txt of its own): ` +
      "move it away, then run the playground again\n",
  );
  expect(readFileSync(join(dir, ".dkimctl-playground", "terraform.example-com.tfstate"), "utf8")).toBe("mine");
  expect(existsSync(join(dir, ".dkimctl-playground", "ABOUT.txt"))).toBe(false);

  const usage = await projectCommand(["playground", "--port", "99999"], { cwd: dir, env: process.env });
  expect([usage.code, usage.out.split("\n")[0]]).toEqual([2, "error: --port must be a port number (1-65535), not '99999'"]);
});
