/**
 * The package as users get it: `npm pack`'s tarball installed into an empty
 * directory, then the README's walkthrough from there with its own commands
 * (init, npm install, keys, npm run synth, and a plan against the local
 * emulator), Terraform offline with the documentation's mirror configuration
 * and nothing else; a second project written by init elsewhere, with the
 * cdktf CLI that runs on this Node; and a cdktf app of one's own importing
 * `dkimctl/constructs`. One install, shared by every test.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { cliProblem, currentNode } from "../src/init/cli-choice";
import { requireMoto } from "./support/moto";
import { ROOT, tempDir } from "./support/project";
import { findSecrets, scanTree } from "./support/secrets";
import { pluginMirror, requireTerraform, terraform } from "./support/terraform";
import { snapshotTree } from "./support/tree";

jest.setTimeout(900_000);

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/**
 * Terraform's CLI configuration exactly as docs/install.md gives it for a
 * machine without network (its first hcl block), with this machine's mirror.
 */
function documentedCliConfig(): string {
  const doc = readFileSync(join(ROOT, "docs", "install.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Offline and air-gapped"));
  const hcl = /```hcl\n([\s\S]*?)```/.exec(section)?.[1];
  if (!hcl?.includes('"/opt/tf-plugins"')) throw new Error("docs/install.md, 'Offline and air-gapped', has no hcl block with the mirror path /opt/tf-plugins");
  const file = join(tempDir("dkimctl-tfrc-"), "terraform.tfrc");
  writeFileSync(file, hcl.replace('"/opt/tf-plugins"', JSON.stringify(pluginMirror())));
  return file;
}

// This machine's environment without dkimctl's or Terraform's settings, then only what the docs say to set.
const { DKIMCTL_CONFIG, DKIMCTL_KEY_STORE, TF_CLI_CONFIG_FILE, CHECKPOINT_DISABLE, ...inherited } = process.env;
let ENV: NodeJS.ProcessEnv;

function run(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, { cwd, env: ENV, encoding: "utf8", timeout });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, all: `${r.stdout}${r.stderr}${r.error ? r.error.message : ""}` };
}

const PEERS = ["cdktf", "constructs"];
/** The DNS providers' packages: optional peers, installed by a project for the providers of its zones (init: route53, the default). */
const PROVIDER_PACKAGES = Object.keys(pkg.peerDependenciesMeta);
const ROUTE53_PACKAGE = "@cdktf/provider-aws";
const installedVersion = (name: string, dir = project): string => JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;

/** `version` satisfies `^X.Y.Z` (X > 0: same major; X = 0: same minor), and is not older. */
function inCaretRange(version: string, range: string): boolean {
  const [v, r] = [version, range.replace(/^\^/, "")].map((s) => s.split(".").map(Number));
  const fixed = r[0] > 0 ? 1 : 2;
  if (v.slice(0, fixed).join(".") !== r.slice(0, fixed).join(".")) return false;
  for (let i = fixed; i < 3; i++) if (v[i] !== r[i]) return v[i] > r[i];
  return true;
}

let tarball: string;
let project: string;
let installed: string;
let before: Record<string, string>;
const timings: Record<string, number> = {};

function timed<T>(what: string, fn: () => T): T {
  const start = Date.now();
  try {
    return fn();
  } finally {
    timings[what] = Date.now() - start;
  }
}

/** The private keys of a project's local store. */
const pems = (dir: string) =>
  readdirSync(join(dir, ".dkim", "keys"), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => readFileSync(join(f.parentPath, f.name), "utf8"));

beforeAll(() => {
  ENV = { ...inherited, TF_CLI_CONFIG_FILE: documentedCliConfig(), FORCE_COLOR: "0", NO_COLOR: "1" };
  // dist/ is fresh (jest's globalSetup builds it): pack without running prepare again.
  const packs = tempDir("dkimctl-pack-");
  const packed = timed("npm pack", () => run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packs], ROOT));
  expect(packed.code).toBe(0);
  tarball = join(packs, JSON.parse(packed.out)[0].filename);
  project = tempDir("dkimctl-user-");
  // As docs/install.md says for a tarball, into an empty directory (npm installs the peers too).
  const install = timed("npm install tarball", () => run("npm", ["install", tarball], project, 540_000));
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.all}`);
  installed = join(project, "node_modules", "dkimctl");
  before = snapshotTree(installed);
});

afterAll(() => {
  process.stderr.write(`package.test.ts timings (ms): ${JSON.stringify(timings)}\n`);
});

test("the tarball holds the compiled package, its types and schema, and no sources; its prepare script builds nothing there", () => {
  const files = readdirSync(installed, { recursive: true, encoding: "utf8" });
  expect(files).toEqual(expect.arrayContaining(["dist/main.js", "dist/constructs/index.js", "dist/constructs/index.d.ts", "domains.schema.json"]));
  expect(files.filter((f) => !f.startsWith("node_modules/") && /^(src|constructs|test)\/|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  // npm runs `prepare` when it installs from a tarball or git (this npm may skip it): there it must do nothing, and succeed.
  expect(run(process.execPath, [join(installed, "bin", "build.js")], installed)).toMatchObject({ code: 0, all: "" });
  expect(snapshotTree(installed)).toEqual(before);
  // One cdktf and one constructs: the peers are the project's own, installed by npm within dkimctl's ranges.
  for (const peer of PEERS) {
    expect(existsSync(join(installed, "node_modules", peer))).toBe(false);
    const version = installedVersion(peer);
    expect({ peer, inRange: inCaretRange(version, pkg.peerDependencies[peer]) }).toEqual({ peer, inRange: true });
  }
  // No provider's package until the project asks for one: npm leaves optional peers out.
  expect(PROVIDER_PACKAGES.sort()).toEqual([
    "@cdktf/provider-aws",
    "@cdktf/provider-azurerm",
    "@cdktf/provider-cloudflare",
    "@cdktf/provider-digitalocean",
    "@cdktf/provider-google",
  ]);
  for (const p of PROVIDER_PACKAGES) expect({ p, installed: existsSync(join(project, "node_modules", p)) }).toEqual({ p, installed: false });
  // No cdktf CLI, so no native module, whatever the Node.
  expect(existsSync(join(project, "node_modules", "cdktf-cli"))).toBe(false);
  expect(readdirSync(join(project, "node_modules"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".node"))).toEqual([]);
});

test("the README's walkthrough: init, npm install, keys, npm run synth, and a plan against the local emulator, Terraform offline", () => {
  requireTerraform();
  requireMoto();
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const commands = ["npx dkimctl init --zone example.com", "npm install", "npx dkimctl keys", "npm run synth", "npx dkimctl playground -- npm run plan"];
  for (const c of commands) expect({ c, inReadme: readme.includes(`\n${c}`) }).toEqual({ c, inReadme: true });
  const sh = (what: string, cwd = project) => {
    const [cmd, ...args] = what.split(" ");
    return timed(what, () => run(cmd, args, cwd));
  };

  const init = sh(commands[0]);
  expect(init).toMatchObject({ code: 0, err: "" });
  expect(init.out).toMatch(/^ {2}update +package\.json: add script synth, script plan, script deploy, dependency /m);
  expect(init.out).toContain("npm run synth | plan | deploy run dkimctl synth | plan | deploy: the app and Terraform directly, no cdktf CLI");
  const written = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
  // The tarball as npm saved it: the next npm install gets the same package.
  expect(written.dependencies.dkimctl).toBe(`file:${relative(project, tarball)}`);
  expect(sh(commands[1]).code).toBe(0);
  // Now exactly the versions dkimctl is tested with, as init pinned them.
  for (const peer of [...PEERS, ROUTE53_PACKAGE]) expect({ peer, version: installedVersion(peer) }).toEqual({ peer, version: pkg.devDependencies[peer] });
  // Only the package of the zone's provider: the project never installs Cloudflare's.
  for (const p of PROVIDER_PACKAGES.filter((p) => p !== ROUTE53_PACKAGE))
    expect({ p, installed: existsSync(join(project, "node_modules", p)) }).toEqual({ p, installed: false });

  expect(sh(commands[2]).code).toBe(0);
  expect(existsSync(join(project, "dkim.lock.yaml"))).toBe(true);
  expect(readdirSync(join(project, ".dkim", "keys", "example.com"))).toHaveLength(1);

  const synth = sh(commands[3]);
  expect(synth).toMatchObject({ code: 0, err: expect.stringContaining("synthesized 1 stack into cdktf.out: example-com\n") });
  const stack = join(project, "cdktf.out", "stacks", "example-com");
  const doc = JSON.parse(readFileSync(join(stack, "cdk.tf.json"), "utf8"));
  expect(doc.resource.aws_route53_record).toBeDefined();
  // Local state beside domains.yaml, by a path from the stack's directory: no path of this machine in cdktf.out.
  const statePath: string = doc.terraform.backend.local.path;
  expect(isAbsolute(statePath)).toBe(false);
  expect(resolve(stack, statePath)).toBe(join(project, "terraform.example-com.tfstate"));
  for (const f of readdirSync(join(project, "cdktf.out"), { recursive: true, encoding: "utf8" }))
    if (f.endsWith(".json")) expect({ f, has: readFileSync(join(project, "cdktf.out", f), "utf8").includes(project) }).toEqual({ f, has: false });

  const plan = sh(commands[4]);
  expect({ code: plan.code, out: plan.code === 0 ? "" : plan.all }).toEqual({ code: 0, out: "" });
  expect(plan.err).toMatch(/^playground: moto's AWS emulator on http:\/\/127\.0\.0\.1:\d+, with the zone example\.com \(/m);
  expect(plan.out).toMatch(/# aws_route53_record\.\S+ will be created/);
  expect(plan.out).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
  // Terraform took the provider from the mirror (the documented configuration has no direct block): nothing came from the network.
  expect(plan.all).not.toMatch(/could not connect|Error:/);
  for (const dir of ["cdktf.out", ".dkimctl-playground"]) expect({ dir, found: scanTree(join(project, dir), pems(project)) }).toEqual({ dir, found: [] });
  expect(findSecrets(plan.all, pems(project))).toEqual([]);

  // Everything written is the project's; the installed package is as npm left it.
  expect(snapshotTree(installed)).toEqual(before);
  expect(readdirSync(project).sort()).toEqual(
    [
      ".dkim",
      ".dkimctl-playground",
      ".github",
      ".gitignore",
      "cdktf.json",
      "cdktf.out",
      "dkim.lock.yaml",
      "domains.yaml",
      "node_modules",
      "package-lock.json",
      "package.json",
    ].sort(),
  );
});

test("init into another, empty directory: dkimctl from the same tarball, and the cdktf CLI this Node runs (cdktn from 22.19, else cdktf-cli)", () => {
  requireMoto();
  const cli = cliProblem("cdktn", currentNode()) === undefined ? "cdktn" : "cdktf";
  const other = join(tempDir("dkimctl-other-"), "dns");
  const init = timed(`init --cli ${cli}`, () => run("npx", ["dkimctl", "init", other, "--zone", "acme.example", "--cli", cli], project));
  expect(init).toMatchObject({ code: 0, err: "" });
  expect(JSON.parse(readFileSync(join(other, "package.json"), "utf8")).dependencies.dkimctl).toBe(`file:${relative(other, tarball)}`);
  // The step init prints next: npm install in the new directory gets dkimctl from the tarball, and the CLI.
  const install = timed(`npm install (--cli ${cli})`, () => run("npm", ["install"], other, 540_000));
  expect({ code: install.code, out: install.code === 0 ? "" : install.all }).toEqual({ code: 0, out: "" });
  expect(installedVersion("dkimctl", other)).toBe(pkg.version);
  expect(existsSync(join(other, "node_modules", ".bin", cli))).toBe(true);
  expect(timed(`keys (--cli ${cli})`, () => run("npx", ["dkimctl", "keys"], other)).code).toBe(0);
  const synth = timed(`npm run synth (--cli ${cli})`, () => run("npm", ["run", "synth"], other));
  expect({ code: synth.code, out: synth.code === 0 ? "" : synth.all }).toEqual({ code: 0, out: "" });
  expect(existsSync(join(other, "cdktf.out", "stacks", "acme-example", "cdk.tf.json"))).toBe(true);
  const plan = timed(`plan (--cli ${cli})`, () => run("npx", ["dkimctl", "playground", "--", "npm", "run", "plan"], other));
  expect({ code: plan.code, out: plan.code === 0 ? "" : plan.all }).toEqual({ code: 0, out: "" });
  expect(plan.all).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
});

test("Terraform keeps the local state where synth says: beside domains.yaml", () => {
  requireTerraform();
  // Outside the playground, synth writes the project's own stacks again (the playground's kept its state apart).
  expect(run("npm", ["run", "synth"], project).code).toBe(0);
  const stack = join(project, "cdktf.out", "stacks", "example-com");
  const synthesized = JSON.parse(readFileSync(join(stack, "cdk.tf.json"), "utf8"));
  // The stack's own backend block, with an output in place of the records (no provider needed to apply it).
  writeFileSync(join(stack, "cdk.tf.json"), JSON.stringify({ terraform: { backend: synthesized.terraform.backend }, output: { x: { value: 1 } } }));
  const env = ENV;
  // The playground's plan ran here first: its terraform init (TF_DATA_DIR) left this one nothing to migrate.
  expect(readdirSync(stack)).toContain(".terraform-playground");
  const init = terraform(["init", "-input=false", "-no-color"], { cwd: stack, env });
  expect({ status: init.status, out: init.status === 0 ? "" : `${init.stdout}${init.stderr}` }).toEqual({ status: 0, out: "" });
  expect(terraform(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: stack, env }).status).toBe(0);
  expect(existsSync(join(project, "terraform.example-com.tfstate"))).toBe(true);
  expect(readdirSync(stack).filter((f) => f.endsWith(".tfstate"))).toEqual([]);
  expect(snapshotTree(installed)).toEqual(before);
});

test("a cdktf app of one's own imports DkimRecords from dkimctl/constructs: it type-checks against the package's types and synthesizes", () => {
  writeFileSync(
    join(project, "app.ts"),
    `import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { DkimRecords, type DkimRecordsProps } from "dkimctl/constructs";

const app = new App({ outdir: "app.out" });
const stack = new TerraformStack(app, "dns");
new AwsProvider(stack, "aws", { region: "us-east-1" });
new Route53Record(stack, "www", { zoneId: "Z0123456789ABCDEFGHIJ", name: "www.example.com", type: "A", ttl: 300, records: ["192.0.2.10"] });
const props: DkimRecordsProps = { config: "domains.yaml", zone: "example.com" };
const dkim = new DkimRecords(stack, "dkim", props);
console.log(dkim.records.length);
app.synth();
`,
  );
  // The repository's TypeScript, resolving every import from the project as a user's editor would.
  const tsc = timed("tsc", () =>
    run(
      process.execPath,
      [
        join(ROOT, "node_modules", "typescript", "bin", "tsc"),
        "--strict",
        "--module",
        "commonjs",
        "--target",
        "es2022",
        "--esModuleInterop",
        "--skipLibCheck",
        "--outDir",
        "app-js",
        "app.ts",
      ],
      project,
    ),
  );
  expect(tsc.all).toBe("");
  const app = timed("own app", () => run(process.execPath, ["app-js/app.js"], project));
  expect(app).toMatchObject({ code: 0, out: "1\n" });
  const doc = JSON.parse(readFileSync(join(project, "app.out", "stacks", "dns", "cdk.tf.json"), "utf8"));
  expect(Object.keys(doc.resource.aws_route53_record).sort()).toEqual([expect.stringMatching(/example_com/), "www"].sort());
  expect(snapshotTree(installed)).toEqual(before);
  // A type error in the user's app is reported: the check is real.
  writeFileSync(join(project, "bad.ts"), `import { DkimRecords } from "dkimctl/constructs";\nnew DkimRecords(undefined as never, "d", { zone: 1 });\n`);
  const bad = run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--skipLibCheck", "bad.ts"], project);
  expect(bad.all).toMatch(/bad\.ts\(2,\d+\): error TS2322/);
});
