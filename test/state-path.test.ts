/** Local Terraform state lives beside domains.yaml, wherever synth runs: never in the directory the tool is installed in. */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { dkimctl, ROOT, synthApp, tempDir, tempProject } from "./support/project";
import { synthInProcess } from "./support/synth";

const YAML = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
  example.com:
    selectors:
      s1: {}
`;

test("with --config elsewhere, the state path points beside that config, relative to the stack's directory", async () => {
  const p = tempProject(YAML);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  const out = join(tempDir(), "cdktf.out");
  // Synth runs in the tool's directory (ROOT), as `cdktf synth` there with DKIMCTL_CONFIG would.
  expect(synthApp(p.config, out)).toMatchObject({ code: 0, err: "" });
  const stack = join(out, "stacks", "example-com");
  const text = readFileSync(join(stack, "cdk.tf.json"), "utf8");
  const path: string = JSON.parse(text).terraform.backend.local.path;
  expect(isAbsolute(path)).toBe(false);
  expect(resolve(stack, path)).toBe(join(p.dir, "terraform.example-com.tfstate"));
  expect(resolve(stack, path).startsWith(ROOT)).toBe(false);
  // No path of this machine in what reviewers read.
  expect(text).not.toContain(p.dir);
  expect(text).not.toContain(ROOT);
  expect(existsSync(join(ROOT, "terraform.example-com.tfstate"))).toBe(false);
});

test("the bundled example keeps its state where it always was: the project directory", async () => {
  const p = tempProject(YAML);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  const out = join(p.dir, "cdktf.out");
  // In-process, as main.ts runs it (the compiled app is the test above's).
  expect(synthInProcess(p.config, out).code).toBe(0);
  const stack = join(out, "stacks", "example-com");
  expect(JSON.parse(readFileSync(join(stack, "cdk.tf.json"), "utf8")).terraform.backend.local.path).toBe("../../../terraform.example-com.tfstate");
});
