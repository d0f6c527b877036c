/**
 * A DNS provider's cdktf bindings are loaded only when a zone uses it
 * (validate loads none; the app those of its zones' providers), and they are
 * optional peers: in a project whose node_modules lacks a provider's
 * package, dkimctl validates and synthesizes the zones of the providers it
 * has, and a zone of the missing one stops synth with the package to
 * install, writing nothing. A project that installs only Google's bindings
 * validates, makes keys and synthesizes without ever asking for another
 * provider's package.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { PROVIDER_NAMES, PROVIDERS } from "../src/providers";
import { ROOT, tempDir, tempProject } from "./support/project";

const PROBE = join(ROOT, "test", "support", "loaded-modules.js");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const PROVIDER_PACKAGES = PROVIDER_NAMES.map((n) => PROVIDERS[n].init.package);

const zone = (name: string, provider: string, fields = "") => `  ${name}: { provider: ${provider}${fields} }\n`;
const domain = (name: string) => `  ${name}:\n    selectors:\n      s1: { cname: s1.domainkey.u1234.wl.sendgrid.net }\n`;
const yaml = (zones: [string, string][]) =>
  `version: 1\nzones:\n${zones.map(([n, p]) => zone(n, p)).join("")}domains:\n${zones.map(([n]) => domain(n)).join("")}`;
const BOTH = yaml([
  ["example.com", "route53"],
  ["example.org", "cloudflare"],
]);

/** Runs node with `args` in `cwd`; what it loaded (require.cache of every node process, by the probe), and the provider packages it asked for. */
function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const [dir, asked] = [tempDir("dkimctl-loaded-"), tempDir("dkimctl-requested-")];
  const r = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, NODE_OPTIONS: `--require ${PROBE}`, LOADED_MODULES_DIR: dir, REQUESTED_MODULES_DIR: asked },
    encoding: "utf8",
  });
  const files = (d: string) => readdirSync(d).flatMap((f) => JSON.parse(readFileSync(join(d, f), "utf8")) as string[]);
  const bindings = [...new Set(files(dir).flatMap((m) => /\/node_modules\/(@cdktf\/provider-[a-z0-9-]+)\//.exec(m)?.[1] ?? []))].sort();
  const requested = [...new Set(files(asked).map((m) => /^@cdktf\/provider-[a-z0-9-]+/.exec(m)![0]))].sort();
  return { code: r.status, out: r.stdout, err: r.stderr, bindings, requested };
}

const app = (root: string, config: string, outdir: string) =>
  run([join(root, "dist", "main.js")], ROOT, { DKIMCTL_CONFIG: config, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" });

/**
 * dkimctl as npm installs it (bin/, dist/, package.json; no sources) in a
 * project of its own, beside links to this checkout's packages: of the
 * providers' packages, only `providers`. Returns dkimctl's directory there.
 */
function installWith(providers: readonly string[]): string {
  const project = tempDir("dkimctl-partial-");
  const modules = join(project, "node_modules");
  const installed = join(modules, "dkimctl");
  mkdirSync(installed, { recursive: true });
  for (const f of ["bin", "dist", "package.json"]) cpSync(join(ROOT, f), join(installed, f), { recursive: true });
  const left = (name: string) => PROVIDER_PACKAGES.includes(name) && !providers.includes(name);
  for (const entry of readdirSync(join(ROOT, "node_modules"))) {
    if (entry === "dkimctl" || entry === ".bin") continue;
    if (!entry.startsWith("@")) symlinkSync(join(ROOT, "node_modules", entry), join(modules, entry));
    else {
      mkdirSync(join(modules, entry));
      for (const inner of readdirSync(join(ROOT, "node_modules", entry)))
        if (!left(`${entry}/${inner}`)) symlinkSync(join(ROOT, "node_modules", entry, inner), join(modules, entry, inner));
    }
  }
  for (const p of PROVIDER_PACKAGES) expect({ p, installed: existsSync(join(modules, p)) }).toEqual({ p, installed: providers.includes(p) });
  return installed;
}

test("dkimctl validate loads no provider's bindings", () => {
  const p = tempProject(BOTH);
  const r = run([join(ROOT, "bin", "dkimctl.js"), "validate", "--config", p.config], p.dir);
  expect({ code: r.code, bindings: r.bindings }).toEqual({ code: 0, bindings: [] });
  expect(r.out.split("\n")[0]).toBe(`${p.config}: ok (2 zones, 2 domains, 2 records)`);
});

test("the app loads the bindings of its zones' providers, and only those", () => {
  const aws = PROVIDERS.route53.init.package;
  const cf = PROVIDERS.cloudflare.init.package;
  const cases: [string, string[]][] = [
    [yaml([["example.org", "cloudflare"]]), [cf]],
    [yaml([["example.com", "route53"]]), [aws]],
    [BOTH, [aws, cf].sort()],
  ];
  for (const [text, wanted] of cases) {
    const p = tempProject(text);
    const r = app(ROOT, p.config, join(p.dir, "out"));
    expect({ code: r.code, err: r.err, bindings: r.bindings }).toEqual({ code: 0, err: "", bindings: wanted });
  }
});

describe("a project whose node_modules lacks @cdktf/provider-cloudflare", () => {
  const missing = PROVIDERS.cloudflare.init.package;
  let installed: string;

  beforeAll(() => {
    installed = installWith(PROVIDER_PACKAGES.filter((p) => p !== missing));
  });

  test("validate passes and a Route53 zone synthesizes", () => {
    const p = tempProject(yaml([["example.com", "route53"]]));
    expect(run([join(installed, "bin", "dkimctl.js"), "validate", "--config", p.config], p.dir)).toMatchObject({ code: 0 });
    const r = app(installed, p.config, join(p.dir, "out"));
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: "" });
    expect(existsSync(join(p.dir, "out", "stacks", "example-com", "cdk.tf.json"))).toBe(true);
  });

  test("a Cloudflare zone stops synth at the zone, naming the package and the npm install line; nothing is written", () => {
    const p = tempProject(BOTH);
    const r = app(installed, p.config, join(p.dir, "out"));
    expect({ code: r.code, out: r.out }).toEqual({ code: 1, out: "" });
    expect(r.err).toBe(
      `${p.config}:4:3: zones/example.org/provider: cloudflare zones need the package ${missing} (the provider's cdktf bindings), which is not installed: ` +
        `run 'npm install ${missing}@${pkg.devDependencies[missing]}' in the project (the version dkimctl is tested with)\n` +
        "1 problem found; nothing was changed.\n",
    );
    expect(existsSync(join(p.dir, "out"))).toBe(false);
  });
});

test("a project that installs only Google's bindings validates, makes keys and synthesizes, and never asks for another provider's package", () => {
  const google = PROVIDERS.google.init.package;
  const installed = installWith([google]);
  const p = tempProject(
    `version: 1\nzones:\n${zone("example.com", "google", ", managedZone: example-com")}domains:\n  example.com:\n    selectors:\n      s1: { key: ed25519 }\n`,
  );
  const bin = join(installed, "bin", "dkimctl.js");
  const keys = run([bin, "keys", "--config", p.config], p.dir);
  expect({ code: keys.code, out: keys.out }).toEqual({ code: 0, out: expect.stringContaining("generated ed25519 key for example.com/s1") });
  expect(existsSync(p.lock)).toBe(true);
  const validate = run([bin, "validate", "--config", p.config], p.dir);
  // Its first line is the config's verdict (the lock's and the key store's follow).
  expect({ code: validate.code, first: validate.out.split("\n")[0] }).toEqual({ code: 0, first: `${p.config}: ok (1 zones, 1 domains, 1 records)` });
  const synth = app(installed, p.config, join(p.dir, "out"));
  expect({ code: synth.code, err: synth.err }).toEqual({ code: 0, err: "" });
  const stack = JSON.parse(readFileSync(join(p.dir, "out", "stacks", "example-com", "cdk.tf.json"), "utf8"));
  expect(Object.keys(stack.resource)).toEqual(["google_dns_record_set"]);
  // Only the app asks for a provider's package, and only Google's: the others' were never resolved.
  expect([keys, validate, synth].map((r) => ({ bindings: r.bindings, requested: r.requested }))).toEqual([
    { bindings: [], requested: [] },
    { bindings: [], requested: [] },
    { bindings: [google], requested: [google] },
  ]);
});
