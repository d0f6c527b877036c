/**
 * The package as users get it: `npm pack`'s tarball installed from the npm
 * registry's point of view into an empty directory, then the README's path
 * from there (init, keys, cdktf synth, records), and a cdktf app of one's
 * own importing `dkimctl/constructs`. One install, shared by every test.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ROOT, tempDir } from "./support/project";
import { requireTerraform, terraform, terraformEnv } from "./support/terraform";
import { snapshotTree } from "./support/tree";

jest.setTimeout(600_000);

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
// Terraform's CLI config for the offline provider mirror (cdktf synth runs terraform too); no dkimctl settings of this machine.
const { DKIMCTL_CONFIG, DKIMCTL_KEY_STORE, ...inherited } = terraformEnv();
const ENV = { ...inherited, CHECKPOINT_DISABLE: "1", CI: "1", FORCE_COLOR: "0", NO_COLOR: "1" };

function run(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, { cwd, env: ENV, encoding: "utf8", timeout });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, all: `${r.stdout}${r.stderr}${r.error ? r.error.message : ""}` };
}

const PEERS = ["cdktf", "constructs"];
/** The DNS providers' packages: optional peers, installed by a project for the providers of its zones (init: route53, the default). */
const PROVIDER_PACKAGES = Object.keys(pkg.peerDependenciesMeta);
const ROUTE53_PACKAGE = "@cdktf/provider-aws";
const installedVersion = (name: string): string => JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8")).version;

/** `version` satisfies `^X.Y.Z` (X > 0: same major; X = 0: same minor), and is not older. */
function inCaretRange(version: string, range: string): boolean {
  const [v, r] = [version, range.replace(/^\^/, "")].map((s) => s.split(".").map(Number));
  const fixed = r[0] > 0 ? 1 : 2;
  if (v.slice(0, fixed).join(".") !== r.slice(0, fixed).join(".")) return false;
  for (let i = fixed; i < 3; i++) if (v[i] !== r[i]) return v[i] > r[i];
  return true;
}

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

beforeAll(() => {
  // dist/ is fresh (jest's globalSetup builds it): pack without running prepare again.
  const packs = tempDir("dkimctl-pack-");
  const packed = timed("npm pack", () => run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packs], ROOT));
  expect(packed.code).toBe(0);
  const tarball = join(packs, JSON.parse(packed.out)[0].filename);
  project = tempDir("dkimctl-user-");
  // As the README says: the package and the cdktf CLI, into an empty directory (npm installs the peers too).
  const install = timed("npm install", () =>
    run("npm", ["install", "--no-audit", "--no-fund", tarball, `cdktf-cli@${pkg.devDependencies["cdktf-cli"]}`], project, 540_000),
  );
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
  expect(PROVIDER_PACKAGES.sort()).toEqual(["@cdktf/provider-aws", "@cdktf/provider-cloudflare"]);
  for (const p of PROVIDER_PACKAGES) expect({ p, installed: existsSync(join(project, "node_modules", p)) }).toEqual({ p, installed: false });
});

test("npx dkimctl init, npm install, npx dkimctl keys, npx cdktf synth, npx dkimctl records: all in the project, nothing in the package", () => {
  const init = timed("init", () => run("npx", ["dkimctl", "init", "--zone", "acme.example"], project));
  expect(init).toMatchObject({ code: 0, err: "" });
  expect(init.out).toMatch(/^ {2}update +package\.json: add script synth, script plan, script deploy, dependency /m);
  const again = timed("npm install after init", () => run("npm", ["install", "--no-audit", "--no-fund"], project));
  expect(again.code).toBe(0);
  // Now exactly the versions dkimctl is tested with, as init pinned them.
  for (const peer of [...PEERS, ROUTE53_PACKAGE]) expect({ peer, version: installedVersion(peer) }).toEqual({ peer, version: pkg.devDependencies[peer] });
  // Only the package of the zone's provider: the project never installs Cloudflare's.
  for (const p of PROVIDER_PACKAGES.filter((p) => p !== ROUTE53_PACKAGE))
    expect({ p, installed: existsSync(join(project, "node_modules", p)) }).toEqual({ p, installed: false });

  const keys = timed("keys", () => run("npx", ["dkimctl", "keys"], project));
  expect(keys.code).toBe(0);
  expect(existsSync(join(project, "dkim.lock.yaml"))).toBe(true);
  expect(readdirSync(join(project, ".dkim", "keys", "acme.example"))).toHaveLength(1);

  const synth = timed("cdktf synth", () => run("npx", ["cdktf", "synth"], project));
  expect({ code: synth.code, err: synth.err }).toEqual({ code: 0, err: "" });
  const stack = join(project, "cdktf.out", "stacks", "acme-example");
  const text = readFileSync(join(stack, "cdk.tf.json"), "utf8");
  const doc = JSON.parse(text);
  expect(doc.resource.aws_route53_record).toBeDefined();
  // Local state beside domains.yaml, by a path from the stack's directory: no path of this machine in cdktf.out.
  const statePath: string = doc.terraform.backend.local.path;
  expect(isAbsolute(statePath)).toBe(false);
  expect(resolve(stack, statePath)).toBe(join(project, "terraform.acme-example.tfstate"));
  for (const f of readdirSync(join(project, "cdktf.out"), { recursive: true, encoding: "utf8" }))
    if (f.endsWith(".json")) expect({ f, has: readFileSync(join(project, "cdktf.out", f), "utf8").includes(project) }).toEqual({ f, has: false });

  const records = timed("records", () => run("npx", ["dkimctl", "records"], project));
  expect(records.code).toBe(0);
  expect(records.out).toContain("._domainkey.acme.example");

  // Everything written is the project's; the installed package is as npm left it.
  expect(snapshotTree(installed)).toEqual(before);
  expect(readdirSync(project).sort()).toEqual(
    [".dkim", ".github", ".gitignore", "cdktf.json", "cdktf.out", "dkim.lock.yaml", "domains.yaml", "node_modules", "package-lock.json", "package.json"].sort(),
  );
});

test("Terraform keeps the local state where synth says: beside domains.yaml", () => {
  requireTerraform();
  const stack = join(project, "cdktf.out", "stacks", "acme-example");
  const synthesized = JSON.parse(readFileSync(join(stack, "cdk.tf.json"), "utf8"));
  // The stack's own backend block, with an output in place of the records (no provider needed to apply it).
  writeFileSync(join(stack, "cdk.tf.json"), JSON.stringify({ terraform: { backend: synthesized.terraform.backend }, output: { x: { value: 1 } } }));
  const env = ENV;
  expect(terraform(["init", "-input=false", "-no-color"], { cwd: stack, env }).status).toBe(0);
  expect(terraform(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: stack, env }).status).toBe(0);
  expect(existsSync(join(project, "terraform.acme-example.tfstate"))).toBe(true);
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
new Route53Record(stack, "www", { zoneId: "Z0123456789ABCDEFGHIJ", name: "www.acme.example", type: "A", ttl: 300, records: ["192.0.2.10"] });
const props: DkimRecordsProps = { config: "domains.yaml", zone: "acme.example" };
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
  expect(Object.keys(doc.resource.aws_route53_record).sort()).toEqual([expect.stringMatching(/acme/), "www"].sort());
  expect(snapshotTree(installed)).toEqual(before);
  // A type error in the user's app is reported: the check is real.
  writeFileSync(join(project, "bad.ts"), `import { DkimRecords } from "dkimctl/constructs";\nnew DkimRecords(undefined as never, "d", { zone: 1 });\n`);
  const bad = run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "--strict", "--skipLibCheck", "bad.ts"], project);
  expect(bad.all).toMatch(/bad\.ts\(2,\d+\): error TS2322/);
});
