/** `dkimctl init`: the files of a project of one's own, refusing to overwrite, merging package.json, options checked together. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load";
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
  expect(r.out).toContain(`  cd ${dir}\n  npm install\n  npx dkimctl keys\n  npx cdktf synth\n`);

  const yaml = read(dir, "domains.yaml");
  expect(yaml.split("\n")[0]).toBe("# yaml-language-server: $schema=./node_modules/dkimctl/domains.schema.json");
  expect(yaml).toMatch(/^ {2}example\.org:\n {4}provider: route53\n/m);
  // The app is the installed package's compiled one: no transpiler at synth.
  expect(JSON.parse(read(dir, "cdktf.json")).app).toBe(`node -e "require('dkimctl/app')"`);
  // Pinned as this package pins them, with scripts that keep cdktf off the network.
  const written = JSON.parse(read(dir, "package.json"));
  const peers = ["@cdktf/provider-aws", "@cdktf/provider-cloudflare", "cdktf", "constructs"];
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(peers);
  // Exactly the versions this repository builds and tests with (the peer ranges start there).
  const pinned = Object.fromEntries([...peers, "cdktf-cli"].map((p) => [p, pkg.devDependencies[p]]));
  for (const p of peers) expect(pkg.peerDependencies[p]).toBe(`^${pinned[p]}`);
  expect(written.dependencies).toEqual({ dkimctl: pkg.version, ...pinned });
  for (const s of ["synth", "plan", "deploy"]) expect(written.scripts[s]).toMatch(/^CHECKPOINT_DISABLE=1 cdktf /);
  const ignored = read(dir, ".gitignore").split("\n");
  for (const l of [".dkim/", "cdktf.out/", "dkim-export/", ".dkimctl.lock/", "terraform.*.tfstate", "node_modules/"]) expect(ignored).toContain(l);
});

const cases = [
  { provider: "route53", keyStore: "local" },
  { provider: "cloudflare", keyStore: "local" },
  { provider: "route53", keyStore: "age" },
  { provider: "cloudflare", keyStore: "awsSecretsManager" },
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
  expect(merged.scripts).toEqual({ ...mine.scripts, plan: "CHECKPOINT_DISABLE=1 cdktf diff", deploy: "CHECKPOINT_DISABLE=1 cdktf deploy" });
  expect(merged.dependencies).toEqual({
    ...mine.dependencies,
    "@cdktf/provider-aws": pkg.devDependencies["@cdktf/provider-aws"],
    "@cdktf/provider-cloudflare": pkg.devDependencies["@cdktf/provider-cloudflare"],
    constructs: pkg.devDependencies.constructs,
  });
  expect(merged.devDependencies).toEqual(mine.devDependencies);
  expect(read(dir, "package.json")).toMatch(/^\{\n {4}"name"/);
  const line = r.out.split("\n").find((l) => l.includes("package.json"));
  expect(line).toBe(
    "  update    package.json: add script plan, script deploy, dependency @cdktf/provider-aws 20.1.0, dependency @cdktf/provider-cloudflare 13.9.1, " +
      "dependency constructs 10.4.2; left as they are: script synth ('cdktf synth --output out'; init would write 'CHECKPOINT_DISABLE=1 cdktf synth'), " +
      "cdktf 0.20.0 (dkimctl pins 0.21.0)",
  );
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
    "error: --provider must be one of route53, cloudflare, not 'cloudfare' (did you mean 'cloudflare'?)",
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

describe("the generated workflows", () => {
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
