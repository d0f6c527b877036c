/** `dkimctl init`: the files of a project of one's own, refusing to overwrite, merging package.json, options checked together. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../src/config/load";
import { CDK_TERRAIN, CDKTF_CLI_MAX_ABI } from "../src/init/cli-choice";
import { checkInitOptions } from "../src/init/options";
import { installedSpec, packageInfo } from "../src/init/package-info";
import { planInit } from "../src/init/scaffold";
import { PROVIDER_NAMES, PROVIDERS } from "../src/providers";
import { dkimctl, ROOT, tempDir } from "./support/project";
import { snapshotTree } from "./support/tree";
import { lintWorkflow } from "./support/actionlint";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const WORKFLOWS = ["dkimctl-deploy.yml", "dkimctl-drift.yml", "dkimctl-pr.yml", "dkimctl-rotate.yml"];

/** A real age recipient (Debian's age-keygen); the identity file stays in a temp dir. */
function ageRecipient(): string {
  const file = join(tempDir(), "age.txt");
  const r = spawnSync("age-keygen", ["-o", file], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return spawnSync("age-keygen", ["-y", file], { encoding: "utf8" }).stdout.trim();
}

test("an empty directory gets domains.yaml, cdktf.json, package.json, .gitignore and the workflows; next steps repeat DIR", async () => {
  const dir = join(tempDir(), "dns");
  const r = await dkimctl("init", dir, "--zone", "Example.ORG");
  expect(r).toMatchObject({ code: 0, err: "" });
  expect(readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()).toEqual([
    ".github",
    ".github/workflows",
    ".github/workflows/dkimctl-deploy.yml",
    ".github/workflows/dkimctl-drift.yml",
    ".github/workflows/dkimctl-pr.yml",
    ".gitignore",
    "cdktf.json",
    "domains.yaml",
    "package.json",
  ]);
  expect(r.out).toContain("route53 zone example.org, local key store");
  expect(r.out).toContain("dkimctl-rotate.yml is not written: a hosted runner keeps no local key store");
  expect(r.out).toContain(
    "npm run synth | plan | deploy run dkimctl synth | plan | deploy: the app and Terraform directly, no cdktf CLI, " +
      `so they work on this Node (${process.versions.node}) and every supported one, ` +
      "and offline with a provider mirror (--cli cdktf or cdktn for a cdktf CLI).\n",
  );
  expect(r.out).toContain(
    `Next steps (edit domains.yaml first: your zone, domains and selectors):\n  cd ${dir}\n` +
      "  npm install                             # what package.json lists\n" +
      "  npx dkimctl keys                        # keys for the selectors of domains.yaml\n" +
      "  npm run synth                           # Terraform JSON in cdktf.out/, one stack per zone\n" +
      "  npx dkimctl playground -- npm run plan  # a real plan against a local AWS emulator, no account (needs moto_server)\n",
  );

  const yaml = read(dir, "domains.yaml");
  expect(yaml.split("\n")[0]).toBe("# yaml-language-server: $schema=./node_modules/dkimctl/domains.schema.json");
  expect(yaml).toMatch(/^ {2}example\.org:\n {4}provider: route53\n/m);
  // The app is the installed package's compiled one: no transpiler at synth.
  expect(JSON.parse(read(dir, "cdktf.json")).app).toBe(`node -e "require('dkimctl/app')"`);
  // dkimctl as it was installed (here: this checkout, a folder), the rest pinned as this package pins them; no cdktf CLI.
  const written = JSON.parse(read(dir, "package.json"));
  // cdktf and constructs are peers; each DNS provider's package is an optional peer: a project installs those of its zones.
  const providerPackages = PROVIDER_NAMES.map((n) => PROVIDERS[n].init.package).sort();
  const peers = [...providerPackages, "cdktf", "constructs"];
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(peers);
  expect(Object.keys(pkg.peerDependenciesMeta).sort()).toEqual(providerPackages);
  for (const p of providerPackages) expect(pkg.peerDependenciesMeta[p]).toEqual({ optional: true });
  // Exactly the versions this repository builds and tests with (the peer ranges start there).
  const pinned = Object.fromEntries(peers.map((p) => [p, pkg.devDependencies[p]]));
  for (const p of peers) expect(pkg.peerDependencies[p]).toBe(`^${pinned[p]}`);
  // --provider's default is route53: its package, and no other provider's.
  const others = providerPackages.filter((p) => p !== PROVIDERS.route53.init.package);
  const route53Only = Object.fromEntries(Object.entries(pinned).filter(([p]) => !others.includes(p)));
  expect(written.dependencies).toEqual({ dkimctl: `file:${relative(dir, ROOT)}`, ...route53Only });
  expect(written.scripts).toEqual({ synth: "dkimctl synth", plan: "dkimctl plan", deploy: "dkimctl deploy" });
  expect(written.overrides).toBeUndefined();
  const ignored = read(dir, ".gitignore").split("\n");
  for (const l of [".dkim/", "cdktf.out/", "dkim-export/", ".dkimctl.lock/", "terraform.*.tfstate", "node_modules/", ".dkimctl-playground/"])
    expect(ignored).toContain(l);
});

const cases = [
  { provider: "route53", keyStore: "local" },
  { provider: "cloudflare", keyStore: "local" },
  { provider: "route53", keyStore: "age" },
  { provider: "cloudflare", keyStore: "awsSecretsManager" },
  { provider: "google", keyStore: "local" },
  { provider: "azure", keyStore: "local" },
  { provider: "digitalocean", keyStore: "local" },
] as const;

test.each(cases)("domains.yaml for $provider with the $keyStore store validates as written, and with its examples uncommented", async (c) => {
  const dir = tempDir();
  const extra = c.keyStore === "age" ? ["--age-recipient", ageRecipient()] : c.keyStore === "awsSecretsManager" ? ["--region", "eu-west-1"] : ([] as string[]);
  const r = await dkimctl("init", dir, "--provider", c.provider, "--zone", "mail.example.net", "--key-store", c.keyStore, ...extra);
  expect(r).toMatchObject({ code: 0, err: "" });
  const file = join(dir, "domains.yaml");
  const config = loadConfig(file);
  expect(config.warnings).toEqual([]);
  expect(config.zones).toEqual([expect.objectContaining({ name: "mail.example.net", provider: c.provider })]);
  // The package of the zone's provider, and of no other.
  const deps = Object.keys(JSON.parse(read(dir, "package.json")).dependencies);
  for (const n of PROVIDER_NAMES) expect({ n, has: deps.includes(PROVIDERS[n].init.package) }).toEqual({ n, has: n === c.provider });
  // Under the zone's provider: its options, commented, and the credentials its Terraform provider reads.
  expect(read(dir, "domains.yaml")).toContain(
    [`    provider: ${c.provider}`, ...PROVIDERS[c.provider].init.zoneLines("mail.example.net"), "    # credentials at plan and deploy: "].join("\n"),
  );
  // The workflows that run cdktf read its credentials from repository secrets of their names.
  const prEnv = (parseYaml(read(dir, ".github/workflows/dkimctl-pr.yml")) as { env: Record<string, string> }).env;
  for (const s of PROVIDERS[c.provider].init.secrets ?? []) expect({ s, env: prEnv[s] }).toEqual({ s, env: `\${{ secrets.${s} }}` });
  expect(config.keyStore.kind).toBe(c.keyStore);
  if (c.keyStore === "awsSecretsManager") expect(config.keyStore).toMatchObject({ region: "eu-west-1" });

  // The commented examples (DMARC, SPF, a provided key, a delegated selector) are real: uncommented, they validate too.
  const uncommented = read(dir, "domains.yaml").replace(/^( +)# ((esp1|s1|dmarc|spf):| {2}(txt|cname): )/gm, "$1$2");
  expect(uncommented).not.toEqual(read(dir, "domains.yaml"));
  writeFileSync(file, uncommented);
  const selectors = loadConfig(file).domains[0].selectors.map((s) => [s.name, s.source.kind]);
  expect(selectors).toEqual(expect.arrayContaining([expect.arrayContaining(["esp1"]), expect.arrayContaining(["s1"])]));
  expect(selectors).toHaveLength(3);
  expect(loadConfig(file).domains[0]).toMatchObject({ dmarc: { policy: "none" }, spf: { include: ["_spf.esp.example"] } });

  // Where the keys can be made here, `dkimctl validate` passes after `dkimctl keys`, the next step init prints.
  if (c.keyStore !== "awsSecretsManager") {
    expect(await dkimctl("keys", "--config", file)).toMatchObject({ code: 0 });
    expect(await dkimctl("validate", "--config", file)).toMatchObject({ code: 0, out: expect.stringContaining(": ok (1 zones, 1 domains, 4 records)") });
  }
});

test("existing files are not overwritten: every one is listed, and nothing is written", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "domains.yaml"), "version: 1\n");
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  writeFileSync(join(dir, ".github", "workflows", "dkimctl-pr.yml"), "name: mine\n");
  writeFileSync(join(dir, "package.json"), '{ "name": "mine" }\n');
  const before = snapshotTree(dir);
  const r = await dkimctl("init", dir);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${dir} already has domains.yaml, .github/workflows/dkimctl-pr.yml: init would overwrite them; nothing was written.`);
  expect(r.err).toMatch(/^ {2}overwrite domains\.yaml$/m);
  expect(r.err).toMatch(/^ {2}overwrite \.github\/workflows\/dkimctl-pr\.yml$/m);
  expect(r.err).toMatch(/^ {2}create +cdktf\.json$/m);
  expect(r.err).toMatch(/^ {2}update +package\.json: add script synth/m);
  expect(snapshotTree(dir)).toEqual(before);

  // --force overwrites them, and still merges package.json.
  const forced = await dkimctl("init", dir, "--force");
  expect(forced).toMatchObject({ code: 0, err: "" });
  expect(forced.out).toMatch(/^ {2}overwrite domains\.yaml$/m);
  expect(read(dir, "domains.yaml")).toContain("version: 1\ndefaults:");
  expect(read(dir, ".github/workflows/dkimctl-pr.yml")).toContain("name: dkimctl plan");
  expect(JSON.parse(read(dir, "package.json")).name).toBe("mine");

  // Run again with the same options: nothing to overwrite, nothing refused.
  const again = await dkimctl("init", dir);
  expect(again.code).toBe(0);
  expect(again.out).not.toMatch(/^ {2}(create|overwrite|update) /m);
});

test("package.json after `npm install dkimctl` is merged: missing scripts and dependencies added, existing entries never changed", async () => {
  const dir = tempDir();
  const mine = {
    name: "acme-dns",
    version: "1.0.0",
    scripts: { synth: "cdktf synth --output out", test: "jest" },
    dependencies: { dkimctl: "file:../dkimctl-0.1.0.tgz", cdktf: "0.20.0" },
    devDependencies: { "cdktf-cli": "0.21.0" },
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(mine, null, 4)}\n`);
  const r = await dkimctl("init", dir);
  expect(r.code).toBe(0);
  const merged = JSON.parse(read(dir, "package.json"));
  expect(merged.scripts).toEqual({ ...mine.scripts, plan: "dkimctl plan", deploy: "dkimctl deploy" });
  expect(merged.dependencies).toEqual({
    ...mine.dependencies,
    "@cdktf/provider-aws": pkg.devDependencies["@cdktf/provider-aws"],
    constructs: pkg.devDependencies.constructs,
  });
  expect(merged.devDependencies).toEqual(mine.devDependencies);
  expect(read(dir, "package.json")).toMatch(/^\{\n {4}"name"/);
  const line = r.out.split("\n").find((l) => l.includes("package.json"));
  expect(line).toBe(
    "  update    package.json: add script plan, script deploy, dependency @cdktf/provider-aws 20.1.0, " +
      "dependency constructs 10.4.2; left as they are: script synth ('cdktf synth --output out'; init would write 'dkimctl synth'), " +
      "cdktf 0.20.0 (dkimctl pins 0.21.0)",
  );
});

describe("--cli: what npm run synth | plan | deploy run, checked against the Node init runs on", () => {
  const NODE_24 = { version: "24.22.3", abi: 137 };
  const NODE_22 = { version: "22.23.5", abi: 127 };

  test("cdktf and cdktn write their CLI pinned, the provider-lock step skipped; cdktn moves the project to cdktn as docs/cdk-terrain.md says", () => {
    const write = (cli: string) => {
      const dir = tempDir();
      const checked = checkInitOptions({ cli }, NODE_22);
      if (!checked.ok) throw new Error(checked.problems.join("\n"));
      const plan = planInit(dir, { options: checked.options, package: packageInfo(ROOT, dir), workflows: new Map(), now: new Date(), force: false });
      return JSON.parse(plan.files.find((f) => f.path === "package.json")!.text);
    };
    const cdktf = write("cdktf");
    expect(cdktf.scripts).toEqual({
      synth: "CHECKPOINT_DISABLE=1 cdktf synth",
      plan: "CHECKPOINT_DISABLE=1 cdktf diff --skip-provider-lock",
      deploy: "CHECKPOINT_DISABLE=1 cdktf deploy --skip-provider-lock",
    });
    expect(cdktf.dependencies).toMatchObject({ "cdktf-cli": pkg.devDependencies["cdktf-cli"], cdktf: pkg.devDependencies.cdktf });
    const cdktn = write("cdktn");
    expect(cdktn.scripts.plan).toBe("CHECKPOINT_DISABLE=1 cdktn diff --skip-provider-lock");
    expect(cdktn.dependencies).toMatchObject({ "cdktn-cli": CDK_TERRAIN.cli, cdktf: `npm:cdktn@${CDK_TERRAIN.cdktn}`, constructs: CDK_TERRAIN.constructs });
    expect(cdktn.overrides).toEqual({ cdktf: "$cdktf" });
    expect(cdktn.dependencies["cdktf-cli"]).toBeUndefined();
  });

  test("each CLI is refused on a Node it cannot run on, saying why and what to choose instead", () => {
    const problems = (cli: string, node: { version: string; abi: number }) => {
      const r = checkInitOptions({ cli }, node);
      return r.ok ? [] : r.problems;
    };
    expect(problems("cdktf", NODE_24)).toEqual([
      "--cli cdktf: cdktf-cli 0.21 loads a native terminal module (@cdktf/node-pty-prebuilt-multiarch) that has no build for Node 24.22.3 " +
        "(ABI 137; builds go up to Node 22), and cdktf is archived: leave --cli out (dkimctl's own synth, plan and deploy), or give --cli cdktn",
    ]);
    expect(problems("cdktf", NODE_22)).toEqual([]);
    expect(problems("cdktn", { version: "20.20.2", abi: 115 })).toEqual([
      "--cli cdktn: cdktn-cli 0.24.0 needs Node 22.19.0 or later, and this is Node 20.20.2: leave --cli out (dkimctl's own synth, plan and deploy)",
    ]);
    expect(problems("cdktn", { version: "22.18.0", abi: 127 })).toHaveLength(1);
    expect(problems("cdktn", { version: "22.19.0", abi: 127 })).toEqual([]);
    expect(problems("cdktn", NODE_24)).toEqual([]);
    for (const node of [NODE_24, NODE_22, { version: "20.19.0", abi: 115 }]) expect(problems("dkimctl", node)).toEqual([]);
    expect(problems("cdk", NODE_22)).toEqual(["--cli must be one of dkimctl, cdktf, cdktn, not 'cdk' (did you mean 'cdktf'?)"]);
  });

  test("cdktf-cli's rule is its terminal module's builds: refused on this Node exactly when the module has no build for it", async () => {
    const builds = readdirSync(join(ROOT, "node_modules", "@cdktf", "node-pty-prebuilt-multiarch", "prebuilds", "linux-x64"));
    const abis = builds.map((f) => Number(/^node\.abi(\d+)\.node$/.exec(f)?.[1])).filter((n) => n > 0);
    expect(Math.max(...abis)).toBe(CDKTF_CLI_MAX_ABI);
    const dir = tempDir();
    const r = await dkimctl("init", dir, "--cli", "cdktf");
    const built = abis.includes(Number(process.versions.modules));
    expect({ node: process.versions.node, code: r.code }).toEqual({ node: process.versions.node, code: built ? 0 : 2 });
    if (built) expect(r.out).toContain("npm run synth | plan | deploy run cdktf-cli 0.21 (--cli cdktf)");
    else expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the dkimctl dependency init writes: the same source dkimctl was installed from", () => {
  /** A package installed at `<installer>/node_modules/dkimctl`, for a project at `<base>/project`. */
  function layout(installerPkg?: object, lock?: object) {
    const base = tempDir();
    const installer = join(base, "installer");
    const root = join(installer, "node_modules", "dkimctl");
    mkdirSync(root, { recursive: true });
    if (installerPkg) writeFileSync(join(installer, "package.json"), JSON.stringify(installerPkg));
    if (lock) writeFileSync(join(installer, "node_modules", ".package-lock.json"), JSON.stringify(lock));
    return { base, installer, root, project: join(base, "project") };
  }

  test("a tarball or a folder (a file: spec) is found from the new project; a git URL is kept as it is", () => {
    const tgz = layout({ dependencies: { dkimctl: "file:../dkimctl-0.1.0.tgz" } });
    expect(installedSpec(tgz.root, "dkimctl", "0.1.0", tgz.project)).toEqual({ spec: "file:../dkimctl-0.1.0.tgz" });
    expect(installedSpec(tgz.root, "dkimctl", "0.1.0", join(tgz.base, "a", "b"))).toEqual({ spec: "file:../../dkimctl-0.1.0.tgz" });
    expect(installedSpec(tgz.root, "dkimctl", "0.1.0", tgz.installer)).toEqual({ spec: "file:../dkimctl-0.1.0.tgz" });
    const git = layout({ devDependencies: { dkimctl: "git+https://git.example/acme/dkimctl.git#v0.1.0" } });
    expect(installedSpec(git.root, "dkimctl", "0.1.0", git.project)).toEqual({ spec: "git+https://git.example/acme/dkimctl.git#v0.1.0" });
    // npx keeps no dependency of its own in some versions: npm's lock in node_modules still says where it came from.
    const npx = layout(undefined, { packages: { "node_modules/dkimctl": { resolved: "file:../../tmp/dkimctl-0.1.0.tgz" } } });
    expect(installedSpec(npx.root, "dkimctl", "0.1.0", npx.project)).toEqual({
      spec: `file:${relative(npx.project, join(npx.base, "..", "tmp", "dkimctl-0.1.0.tgz"))}`,
    });
  });

  test("a checkout (not under node_modules) is a file: folder; where nothing says how, the registry's version with a note", () => {
    const project = tempDir();
    expect(installedSpec(ROOT, "dkimctl", "0.1.0", project)).toEqual({ spec: `file:${relative(project, ROOT)}` });
    const global = layout();
    const r = installedSpec(global.root, "dkimctl", "0.1.0", global.project);
    expect(r.spec).toBe("0.1.0");
    expect(r.note).toBe(
      "package.json asks for dkimctl 0.1.0 from the npm registry (init could not tell how dkimctl was installed here): " +
        "installed from a tarball, a git URL or a folder, give the same source there before 'npm install'",
    );
  });
});

test("in a subdirectory of a git repository, init says that GitHub reads workflows at the repository's root only", async () => {
  const repo = tempDir();
  mkdirSync(join(repo, ".git"));
  const r = await dkimctl("init", join(repo, "infra", "dns"));
  expect(r.code).toBe(0);
  expect(r.out).toContain(`note: GitHub runs only the workflows at the repository's root (${repo}): move .github/workflows/ there`);
  const atRoot = await dkimctl("init", repo);
  expect(atRoot.out).not.toContain("GitHub runs only");
});

test("an existing .gitignore gets only the lines it lacks", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, ".gitignore"), "node_modules/\n.env\n");
  const r = await dkimctl("init", dir);
  expect(r.code).toBe(0);
  const text = read(dir, ".gitignore");
  expect(text.startsWith("node_modules/\n.env\n# dkimctl\n")).toBe(true);
  expect(text.split("\n").filter((l) => l === "node_modules/")).toHaveLength(1);
  expect(text).toContain("\n.dkim/\n");
});

test("a package.json that is not JSON stops init before anything is written", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "package.json"), "{ name: oops");
  const r = await dkimctl("init", dir);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/^error: package\.json cannot be merged: it is not JSON .*: fix it, or give --force to replace it\n$/);
  expect(readdirSync(dir)).toEqual(["package.json"]);
});

test("bad options are reported together, with exit status 2, and nothing is written", async () => {
  const dir = tempDir();
  const r = await dkimctl("init", dir, "--provider", "cloudfare", "--zone", "exa mple.com", "--key-store", "age", "--region", "eu-west-1");
  expect(r.code).toBe(2);
  expect(r.err.split("\n").filter((l) => l.startsWith("error: "))).toEqual([
    `error: --provider must be one of ${PROVIDER_NAMES.join(", ")}, not 'cloudfare' (did you mean 'cloudflare'?)`,
    expect.stringMatching(/^error: --zone 'exa mple\.com' /),
    expect.stringMatching(/^error: --age-recipient is required with --key-store age/),
    "error: --region is for --key-store awsSecretsManager only",
  ]);
  expect(readdirSync(dir)).toEqual([]);
  const sm = await dkimctl("init", dir, "--key-store", "awsSecretsManager", "--region", "Frankfurt", "--age-recipient", "AGE-SECRET-KEY-1QQQ");
  expect(sm.err).toContain("error: --region 'Frankfurt' is not an AWS region (e.g. eu-west-1)");
  expect(sm.err).toContain("error: --age-recipient is for --key-store age only");
  expect(sm.err).toContain("this is an age identity (a secret key), not a recipient");
  expect(sm.err).not.toContain("AGE-SECRET-KEY-1QQQ");
  expect(existsSync(join(dir, "domains.yaml"))).toBe(false);
});

test("init --help lists each option on a line of its own", async () => {
  const r = await dkimctl("init", "--help");
  expect(r.code).toBe(0);
  for (const o of ["--provider", "--zone", "--key-store", "--age-recipient", "--region", "--force"]) expect(r.out).toMatch(new RegExp(`^ {2}${o} `, "m"));
});

test("--key-zone: signing-provider mode, with customers.txt and the hourly customers workflow; a customer added on a line of its own validates", async () => {
  const dir = tempDir();
  const r = await dkimctl("init", dir, "--zone", "mail.example.net", "--key-zone", "dkim.esp.example", "--key-store", "age", "--age-recipient", ageRecipient());
  expect(r).toMatchObject({ code: 0, err: "" });
  expect(read(dir, ".github/workflows/dkimctl-customers.yml")).toContain("npx dkimctl verify --recheck-after 1d --format json");
  const file = join(dir, "domains.yaml");
  expect(loadConfig(file)).toMatchObject({ zones: expect.arrayContaining([expect.objectContaining({ name: "dkim.esp.example" })]), customers: [] });
  writeFileSync(join(dir, "customers.txt"), `${read(dir, "customers.txt")}shop.example\n`);
  expect(loadConfig(file).customers).toEqual([expect.objectContaining({ name: "shop.example", keyZone: "dkim.esp.example", slots: ["esp1", "esp2"] })]);
  expect(await dkimctl("keys", "--config", file)).toMatchObject({ code: 0 });
  expect((await dkimctl("validate", "--config", file)).code).toBe(0);
  // Without --key-zone there is no customers workflow.
  const plain = tempDir();
  expect((await dkimctl("init", plain)).code).toBe(0);
  expect(existsSync(join(plain, ".github/workflows/dkimctl-customers.yml"))).toBe(false);
  expect((await dkimctl("init", tempDir(), "--zone", "a.example", "--key-zone", "a.example")).err).toContain("--key-zone 'a.example' is the --zone");
});

test.each(["google", "azure"] as const)(
  "--key-zone with --provider %s: the key zone has the provider's required option too, and validates",
  async (provider) => {
    const dir = tempDir();
    expect(await dkimctl("init", dir, "--provider", provider, "--zone", "mail.example.net", "--key-zone", "dkim.esp.example")).toMatchObject({ code: 0 });
    const file = join(dir, "domains.yaml");
    expect(loadConfig(file).zones.map((z) => ({ name: z.name, provider: z.provider }))).toEqual([
      { name: "dkim.esp.example", provider },
      { name: "mail.example.net", provider },
    ]);
    expect(read(dir, "domains.yaml")).toContain(PROVIDERS[provider].init.zoneLines("dkim.esp.example").join("\n"));
    expect(await dkimctl("keys", "--config", file)).toMatchObject({ code: 0 });
    expect(await dkimctl("validate", "--config", file)).toMatchObject({ code: 0 });
  },
);

describe("the generated workflows", () => {
  test("with --provider azure, the workflows that run Terraform take each of its credentials from a repository secret, and pass actionlint", async () => {
    const dir = tempDir();
    expect((await dkimctl("init", dir, "--provider", "azure", "--key-store", "age", "--age-recipient", ageRecipient())).code).toBe(0);
    const secrets = PROVIDERS.azure.init.secrets!;
    expect(secrets).toContain("ARM_CLIENT_SECRET");
    for (const name of WORKFLOWS) {
      const text = read(dir, `.github/workflows/${name}`);
      expect({ name, lint: (await lintWorkflow(text, `.github/workflows/${name}`)).map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`) }).toEqual({
        name,
        lint: [],
      });
      const env = (parseYaml(text) as { env?: Record<string, string> }).env ?? {};
      const runsTerraform = /\bterraform -chdir=/.test(text);
      for (const s of secrets) expect({ name, s, env: env[s] }).toEqual({ name, s, env: runsTerraform ? `\${{ secrets.${s} }}` : undefined });
    }
  });

  test.each(WORKFLOWS)("%s (age key store) passes actionlint and runs the installed package", async (name) => {
    const dir = tempDir();
    expect((await dkimctl("init", dir, "--key-store", "age", "--age-recipient", ageRecipient())).code).toBe(0);
    const text = read(dir, `.github/workflows/${name}`);
    expect(text.split("\n")[0]).toMatch(/^# Written by dkimctl init \(dkimctl \d+\.\d+\.\d+\)/);
    expect((await lintWorkflow(text, `.github/workflows/${name}`)).map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`)).toEqual([]);
    // Nothing of this repository's layout: the installed bins only.
    expect(text).not.toMatch(/bin\/dkimctl|npm run (build|dkimctl)|node dist\//);
    expect(text).toContain("npx dkimctl ");
  });
});
