/**
 * The compiled CLI and cdktf app: `npm ci` builds dist/ (package.json's
 * prepare script), bin/dkimctl.js and cdktf.json's app run it with no
 * TypeScript transpiler loaded, a stale build stops with the command that
 * fixes it, and DKIMCTL_DEBUG stack traces point to the TypeScript sources.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT, tempDir, tempProject } from "./support/project";

/** What validate prints on stderr, and nothing more: which config and key store it read. */
const SAYS_CONFIG = expect.stringMatching(/^config: \S+ · keys: local \S+\n$/);
const YAML = `version: 1
zones:
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.org:
    selectors:
      s1: { cname: s1.domainkey.u1234.wl.sendgrid.net }
`;
/** validate's report (the config path as given). */
const VALID = expect.stringMatching(/domains\.yaml: ok \(1 zones, 1 domains, 1 records\)\n/);
const PROBE = join(ROOT, "test", "support", "loaded-modules.js");
/** Anything that compiles TypeScript at run time. */
const TRANSPILER = /\/node_modules\/(ts-node|typescript|ts-jest|@swc\/core|esbuild)\//;

interface Run {
  code: number;
  out: string;
  err: string;
  /** What each node process of the run loaded (require.cache), by pid. */
  loaded: string[][];
}

/** Runs a command whose node processes record the modules they load (NODE_OPTIONS=--require the probe). */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Run {
  const dir = tempDir("dkimctl-loaded-");
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: {
      ...process.env,
      ...opts.env,
      NODE_OPTIONS: `--require ${PROBE}`,
      LOADED_MODULES_DIR: dir,
      npm_config_update_notifier: "false",
    },
    encoding: "utf8",
  });
  const loaded = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as string[]);
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, loaded };
}

/** The process of the run that loaded `file` (a path relative to `root`): the transpilers it loaded too. */
function ranCompiled(r: Run, root: string, file: string) {
  const it = r.loaded.filter((modules) => modules.includes(join(root, file)));
  return { processes: it.length, transpilers: it.flat().filter((m) => TRANSPILER.test(m)) };
}

/** cdktf.json's app, as `cdktf synth` runs it in `dir`, with the probe. */
function app(dir: string, env: NodeJS.ProcessEnv): Run {
  const [node, ...args] = (JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")).app as string).split(" ");
  expect(node).toBe("node");
  return run(process.execPath, args, { cwd: dir, env });
}

describe("in this checkout (dist/ built by jest's globalSetup)", () => {
  test("bin/dkimctl.js validates a project with no TypeScript transpiler loaded", () => {
    const p = tempProject(YAML);
    const r = run(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "validate", "--config", p.config], { cwd: p.dir });
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({ code: 0, out: VALID, err: SAYS_CONFIG });
    expect(ranCompiled(r, ROOT, "dist/src/cli/main.js")).toEqual({ processes: 1, transpilers: [] });
  });

  test("cdktf.json's app synthesizes with no TypeScript transpiler loaded", () => {
    const p = tempProject(YAML);
    const outdir = join(p.dir, "cdktf.out");
    const r = app(ROOT, { DKIMCTL_CONFIG: p.config, CDKTF_OUTDIR: outdir });
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: "" });
    expect(existsSync(join(outdir, "stacks", "example-org", "cdk.tf.json"))).toBe(true);
    expect(ranCompiled(r, ROOT, "dist/main.js")).toEqual({ processes: 1, transpilers: [] });
  });

  test("with DKIMCTL_DEBUG, stack traces of the CLI and the app point to the TypeScript sources", () => {
    const frames = (text: string) => text.split("\n").filter((l) => l.startsWith("    at "));
    const project = (f: string) => f.includes(ROOT) && !f.includes("/node_modules/");

    const plain = run(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "no-such-command"], { cwd: ROOT, env: { DKIMCTL_DEBUG: "" } });
    expect({ code: plain.code, frames: frames(plain.err) }).toEqual({ code: 2, frames: [] });

    const cli = run(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "no-such-command"], { cwd: ROOT, env: { DKIMCTL_DEBUG: "1" } });
    expect(cli.code).toBe(2);
    expect(frames(cli.err)[0]).toContain(`(${ROOT}/src/cli/main.ts:`);

    // The app fails outside the config (its output directory cannot be made): a stack through main.ts and src/app.ts.
    const p = tempProject(YAML);
    const synth = app(ROOT, { DKIMCTL_DEBUG: "1", DKIMCTL_CONFIG: p.config, CDKTF_OUTDIR: join(p.config, "out") });
    expect(synth.code).toBe(1);
    const ours = frames(synth.err).filter(project);
    expect(ours.some((f) => f.includes(`${ROOT}/src/app.ts:`))).toBe(true);
    expect(ours.some((f) => f.includes(`${ROOT}/main.ts:`))).toBe(true);
    expect(ours.filter((f) => /\/dist\/|\.js:\d/.test(f) && !f.includes(`${ROOT}/bin/`))).toEqual([]);
  });
});

/**
 * A fresh clone: the checkout's files as git would give them (tracked and
 * untracked-but-not-ignored; no dist/), with this checkout's node_modules
 * linked in place of `npm ci`'s download; `npm run prepare` is what `npm ci`
 * runs once the packages are in (npm 11 runs the root package's prepare on
 * `npm ci`).
 */
function freshClone(): string {
  const dir = tempDir("dkimctl-clone-");
  const ls = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  if (ls.status !== 0) throw new Error(`git ls-files failed: ${ls.stderr}`);
  for (const f of ls.stdout.split("\0")) {
    if (!f || !existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

describe("a fresh clone", () => {
  let clone: string;
  let project: ReturnType<typeof tempProject>;
  // npx keeps what it installs (here: the clone, as a file: package) in npm's cache: a temp one.
  const npm = (args: string[]) => run("npm", args, { cwd: clone, env: { npm_config_cache: join(clone, ".npm-cache") } });
  const cli = (args: string[]) => run(process.execPath, [join(clone, "bin", "dkimctl.js"), ...args], { cwd: clone });
  const synth = (outdir: string) => app(clone, { DKIMCTL_CONFIG: project.config, CDKTF_OUTDIR: outdir });
  const stamp = () => statSync(join(clone, "dist", ".stamp")).mtimeMs / 1000;

  beforeAll(() => {
    clone = freshClone();
    project = tempProject(YAML);
  });

  test("before the build, the CLI and the app stop with the command that builds", () => {
    const fix = "error: dist/ has not been built: run 'npm run build'\n";
    expect(cli(["validate", "--config", project.config])).toMatchObject({ code: 1, out: "", err: fix });
    const outdir = join(project.dir, "out-unbuilt");
    expect(synth(outdir)).toMatchObject({ code: 1, out: "", err: fix });
    expect(existsSync(outdir)).toBe(false);
  });

  test("after npm ci's prepare script, `npx dkimctl` runs the compiled CLI with no TypeScript transpiler loaded", () => {
    const scripts = JSON.parse(readFileSync(join(clone, "package.json"), "utf8")).scripts as Record<string, string>;
    expect(scripts.prepare).toBe("node bin/build.js");
    expect(npm(["run", "prepare", "--silent"])).toMatchObject({ code: 0, err: "" });

    const r = npm(["exec", "--no", "--", "dkimctl", "validate", "--config", project.config]);
    expect({ code: r.code, out: r.out, err: r.err }).toEqual({ code: 0, out: VALID, err: SAYS_CONFIG });
    expect(ranCompiled(r, clone, "dist/src/cli/main.js")).toEqual({ processes: 1, transpilers: [] });
  });

  test("a source edited after the build stops the CLI and the app with the fix; `npm run build` fixes it", () => {
    const source = join(clone, "src", "cli", "main.ts");
    appendFileSync(source, "\nexport const EDITED_AFTER_BUILD = 1;\n");
    utimesSync(source, stamp() + 1, stamp() + 1);
    const fix = "error: dist/ is older than src/cli/main.ts: run 'npm run build'\n";
    expect(cli(["validate", "--config", project.config])).toMatchObject({ code: 1, out: "", err: fix });
    const outdir = join(project.dir, "out-stale");
    expect(synth(outdir)).toMatchObject({ code: 1, out: "", err: fix });
    expect(existsSync(outdir)).toBe(false);

    expect(npm(["run", "build", "--silent"])).toMatchObject({ code: 0, err: "" });
    expect(readFileSync(join(clone, "dist", "src", "cli", "main.js"), "utf8")).toContain("EDITED_AFTER_BUILD");
    expect(cli(["validate", "--config", project.config])).toMatchObject({ code: 0, out: VALID, err: SAYS_CONFIG });
  });

  test("installed without sources (no src/ beside dist/), the CLI runs without the check", () => {
    rmSync(join(clone, "src"), { recursive: true });
    rmSync(join(clone, "dist", ".stamp"));
    expect(cli(["validate", "--config", project.config])).toMatchObject({ code: 0, out: VALID, err: SAYS_CONFIG });
  });
});
