/**
 * The way out to CDK Terrain: cdktf was archived upstream; its continuation
 * `cdktn` is a rename. A scratch copy of the project installs cdktn under the
 * name cdktf (npm alias + overrides, constructs >= 10.6.0) and synthesizes the
 * bundled example to the same Terraform JSON as cdktf does.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CDKTN_VERSION, CONSTRUCTS_VERSION, cdktnProject, resolvedFrom } from "./support/cdk-terrain";
import { cdktfProject, projectCommand } from "./support/cdktf-project";
import { dkimctl, ROOT } from "./support/project";
import { terraformEnv } from "./support/terraform";

jest.setTimeout(300_000);

const CDKTF_VERSION = JSON.parse(readFileSync(join(ROOT, "node_modules", "cdktf", "package.json"), "utf8")).version as string;

let example: ReturnType<typeof cdktfProject>;
let scratch: string;

beforeAll(async () => {
  // The repository's example, with a lock made by `dkimctl keys` (keys in the temp project's own store).
  example = cdktfProject(readFileSync(join(ROOT, "domains.yaml"), "utf8"));
  expect((await dkimctl("keys", "--config", example.config)).code).toBe(0);
  const made = cdktnProject();
  scratch = made.dir;
  console.log(`npm install of cdktn in the scratch copy: ${made.npmMs} ms`);
  for (const f of ["domains.yaml", "dkim.lock.yaml"]) copyFileSync(join(example.dir, f), join(scratch, f));
});

test("in the scratch copy, the app, both prebuilt providers and cdktf-cli get cdktn when they import cdktf", () => {
  for (const from of [".", "node_modules/@cdktf/provider-aws", "node_modules/@cdktf/provider-cloudflare"]) {
    expect({ from, cdktf: resolvedFrom(scratch, from, "cdktf"), constructs: resolvedFrom(scratch, from, "constructs") }).toEqual({
      from,
      cdktf: `cdktn@${CDKTN_VERSION}`,
      constructs: `constructs@${CONSTRUCTS_VERSION}`,
    });
  }
  // cdktf-cli 0.21 keeps its own constructs; its cdktf is cdktn too.
  expect(resolvedFrom(scratch, "node_modules/@cdktf/cli-core", "cdktf")).toBe(`cdktn@${CDKTN_VERSION}`);
  // The main project is untouched.
  expect(resolvedFrom(ROOT, "node_modules/@cdktf/provider-aws", "cdktf")).toBe(`cdktf@${CDKTF_VERSION}`);
});

/**
 * Every file under cdktf.out, by path relative to it. An absolute path of
 * the project's directory would be shown as `<project>` (there is none: the
 * local state path is relative to the stack's directory).
 */
function synthesized(dir: string): Map<string, string> {
  const out = join(dir, "cdktf.out");
  const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  const read = (file: string) => readFileSync(file, "utf8").replaceAll(`"${dir}/`, '"<project>/');
  return new Map(files.map((f) => [relative(out, join(f.parentPath, f.name)), read(join(f.parentPath, f.name))]));
}

/** The library version stamped into a synthesized file, and the file re-serialised without it. */
function unstamped(file: string, text: string): { version: string; json: string } {
  const json = JSON.parse(text);
  const holder = file === "manifest.json" ? json : json["//"].metadata;
  const { version } = holder;
  delete holder.version;
  return { version, json: JSON.stringify(json, null, 2) };
}

/** The scratch copy's own `dkimctl synth` (its app, whose cdktf is cdktn). */
function synthInScratch() {
  const r = spawnSync(process.execPath, [join(scratch, "bin", "dkimctl.js"), "synth"], {
    cwd: scratch,
    env: { ...terraformEnv(), NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.status === 0 ? "" : `${r.error?.message ?? ""}${r.stdout}${r.stderr}` };
}

test("dkimctl synth of the example writes the same Terraform JSON with cdktf and with cdktn", async () => {
  const r = await projectCommand(["synth"], { cwd: example.dir, env: terraformEnv() });
  expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
  expect(synthInScratch()).toEqual({ code: 0, out: "" });
  const withCdktf = synthesized(example.dir);
  const withCdktn = synthesized(scratch);
  expect([...withCdktn.keys()].sort()).toEqual([...withCdktf.keys()].sort());
  expect([...withCdktf.keys()].sort()).toEqual([
    "manifest.json",
    "stacks/example-com/cdk.tf.json",
    "stacks/example-net/cdk.tf.json",
    "stacks/example-org/cdk.tf.json",
  ]);
  for (const [file, text] of withCdktf) {
    const a = unstamped(file, text);
    const b = unstamped(file, withCdktn.get(file)!);
    // Each file says which library wrote it; everything else is the same, key order included.
    expect({ file, versions: [a.version, b.version] }).toEqual({ file, versions: [CDKTF_VERSION, CDKTN_VERSION] });
    expect({ file, json: b.json }).toEqual({ file, json: a.json });
  }
  // The records themselves, e.g. the Route53 TXT value split into character-strings, are byte for byte the same.
  const stack = "stacks/example-com/cdk.tf.json";
  const records = (text: string) => JSON.stringify(JSON.parse(text).resource);
  expect(records(withCdktn.get(stack)!)).toBe(records(withCdktf.get(stack)!));
  expect(records(withCdktf.get(stack)!)).toMatch(/v=DKIM1; k=rsa; p=[^"]{200,}\\"\\"[^"]+/);
  // Local state beside domains.yaml, by a path from the stack's directory: no path of this machine.
  expect(withCdktn.get(stack)).toContain('"path": "../../../terraform.example-com.tfstate"');
  expect([...withCdktn.values()].join("\n")).not.toContain("<project>");
});
