/**
 * `npm run bench:pr`: what a pull request that changes one domain costs in
 * `.github/workflows/dkimctl-pr.yml`, with real Terraform planning against
 * moto's Route53 (moto_server, pip moto 5.2.1). Prints numbers; asserts
 * only that each scenario planned what it should.
 *
 *   npm run bench:pr [-- --zones=200 --runs=3 --every=20 --keep]
 *
 * Scenarios, each the workflow's own scripts (read from the workflow file and
 * run with `bash -e` as a runner does, the plugin cache warm as actions/cache
 * leaves it, cdktf.out fresh as on a new runner):
 *   floor          a one-zone project, one domain changed: stacks, synth, plan step
 *   changed only   --zones zones, one domain changed: stacks, synth, plan step of the listed stack
 *   every stack    --zones zones: synth, plan step of every stack in one job, as the
 *                  workflow did before `dkimctl stacks`. Each stack's plan step takes
 *                  seconds, so by default 20 are planned and the plan step's time is
 *                  scaled up to --zones (--every=200 plans all: about half an hour on
 *                  2 cores; --every=0 skips it)
 * Target: changed only <= 1.5x the floor (wall time). Wall and CPU time
 * (of the step's processes and all they waited for; moto's own not included).
 *
 * The changed stack and the floor's are applied first, so their plans refresh
 * real records. The other stacks are never applied (applying 200 would take
 * longer than the rest of the bench): their plans create rather than refresh,
 * and each runs `terraform show` and check-plan, which a plan with no changes
 * skips. "Every stack" estimates the old workflow's cost; it is not exact.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { fingerprint } from "../src/dkim/keys";
import { Lock } from "../src/keys/lock";
import { MotoServer, requireMoto } from "../test/support/moto";
import { requireTerraform, terraform, terraformEnv } from "../test/support/terraform";

const ROOT = resolve(__dirname, "..");
const WORKFLOW = join(ROOT, ".github", "workflows", "dkimctl-pr.yml");
const TARGET_RATIO = 1.5;
const CREATED = "2026-01-01T00:00:00Z";

const log = (m: string) => process.stderr.write(`[bench:pr] ${m}\n`);
const out = (m = "") => process.stdout.write(`${m}\n`);

interface Options {
  zones: number;
  runs: number;
  every: number;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(a);
    if (!m || !["zones", "runs", "every", "keep"].includes(m[1])) throw new Error(`unknown argument '${a}' (known: --zones=N --runs=N --every=N --keep)`);
    flags.set(m[1], m[2] ?? "true");
  }
  const int = (name: string, dflt: number, min: number) => {
    const raw = flags.get(name);
    const n = raw === undefined ? dflt : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got '${raw}'`);
    return n;
  };
  const zones = int("zones", 200, 2);
  return { zones, runs: int("runs", 3, 1), every: Math.min(int("every", 20, 0), zones), keep: flags.has("keep") };
}

/** A step of the PR workflow: its script and its env (workflow, job and step), expressions given by the caller. */
function workflowStep(job: string, id: string, expressions: Record<string, string>): { run: string; env: Record<string, string> } {
  const wf = parse(readFileSync(WORKFLOW, "utf8"));
  const step = (wf.jobs[job].steps as { id?: string; run?: string; env?: Record<string, string> }[]).find((s) => s.id === id);
  if (!step?.run) throw new Error(`${WORKFLOW}: no step '${id}' with a script in job ${job}`);
  const resolveExpr = (v: string) =>
    String(v).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
      if (e.startsWith("secrets.")) return "";
      if (!(e in expressions)) throw new Error(`the bench has no value for \${{ ${e} }} (${job}/${id})`);
      return expressions[e];
    });
  const env = Object.fromEntries(Object.entries({ ...wf.env, ...wf.jobs[job].env, ...step.env }).map(([k, v]) => [k, resolveExpr(v as string)]));
  return { run: step.run, env };
}

interface Timed {
  wallMs: number;
  cpuMs: number;
  outputs: Record<string, string>;
}

/** Runs a step's script as a runner does (bash -e), timed: wall, and CPU of everything it waited for (bash's `times`). */
function runStep(label: string, dir: string, baseEnv: NodeJS.ProcessEnv, job: string, id: string, expressions: Record<string, string> = {}): Timed {
  const step = workflowStep(job, id, { "github.workspace": dir, ...expressions });
  const output = join(dir, ".bench-output");
  const times = join(dir, ".bench-times");
  writeFileSync(output, "");
  const wrapper = `bash -e -c "$1"; rc=$?; times > "${times}"; exit $rc`;
  const t0 = performance.now();
  const r = spawnSync("bash", ["-c", wrapper, "_", step.run], {
    cwd: dir,
    env: { ...baseEnv, ...step.env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(dir, ".bench-summary") },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status ?? r.signal}\n${`${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-30).join("\n")}`);
  // `times`: the shell's user/sys, then its children's (here: the step's bash and all it waited for).
  const [, children] = readFileSync(times, "utf8").trim().split("\n");
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const cpuMs = children.split(/\s+/).reduce((sum, t) => sum + seconds(t) * 1000, 0);
  const outputs = Object.fromEntries(
    readFileSync(output, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { wallMs, cpuMs, outputs };
}

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-C", dir, "-c", "commit.gpgsign=false", "-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], {
    encoding: "utf8",
    stdio: "pipe",
  });

function ed25519Key(): { publicKey: string; fingerprint: string } {
  const der = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" });
  const publicKey = der.subarray(der.length - 32).toString("base64");
  return { publicKey, fingerprint: fingerprint(publicKey) };
}

/** cdktf.json's app with this checkout's paths, so a project elsewhere synthesizes with it. */
function appCommand(): string {
  const app = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app as string;
  return app
    .split(" ")
    .map((t) => (t !== "node" && existsSync(join(ROOT, t)) ? join(ROOT, t) : t))
    .join(" ");
}

interface Project {
  readonly dir: string;
  readonly changedZone: string;
  readonly stacks: string[];
}

/**
 * A git project of `zones` Route53 zones (ids from moto), one domain each
 * with one generated Ed25519 selector, committed on main (and as
 * origin/main, the base the PR workflow compares with).
 */
function makeProject(dir: string, zones: { name: string; id: string }[]): Project {
  mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join(ROOT, "bin", "dkimctl.js"), join(dir, "node_modules", ".bin", "dkimctl"));
  writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
  writeFileSync(join(dir, ".gitignore"), "node_modules/\ncdktf.out/\n.terraform-plugin-cache/\n*.tfstate*\n.bench-*\n");
  writeFileSync(
    join(dir, "cdktf.json"),
    JSON.stringify({
      language: "typescript",
      app: appCommand(),
      projectId: "dkimctl-bench-pr",
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: {},
    }),
  );
  const lock = new Lock();
  const yaml = ["version: 1", "defaults: { key: ed25519 }", "zones:", ...zones.map((z) => `  ${z.name}: { provider: route53, zoneId: ${z.id} }`), "domains:"];
  for (const z of zones) {
    yaml.push(`  ${z.name}:`, "    selectors:", "      s1: {}");
    lock.set(z.name, "s1", { algorithm: "ed25519", ...ed25519Key(), created: CREATED });
  }
  writeFileSync(join(dir, "domains.yaml"), `${yaml.join("\n")}\n`);
  lock.write(join(dir, "dkim.lock.yaml"));
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  git(dir, "update-ref", "refs/remotes/origin/main", "HEAD");
  const changedZone = zones[Math.floor(zones.length / 2)].name;
  return { dir, changedZone, stacks: zones.map((z) => z.name.replace(/\./g, "-")).sort() };
}

/** The pull request: a second selector for the domain of `changedZone`, key in the lock, committed on a branch. */
function changeOneDomain(p: Project): void {
  const config = join(p.dir, "domains.yaml");
  const text = readFileSync(config, "utf8");
  const anchor = `  ${p.changedZone}:\n    selectors:\n      s1: {}\n`;
  if (!text.includes(anchor)) throw new Error(`no domain ${p.changedZone} in ${config}`);
  writeFileSync(config, text.replace(anchor, `${anchor}      s2: {}\n`));
  const lock = Lock.read(join(p.dir, "dkim.lock.yaml"));
  lock.set(p.changedZone, "s2", { algorithm: "ed25519", ...ed25519Key(), created: CREATED });
  lock.write(join(p.dir, "dkim.lock.yaml"));
  git(p.dir, "switch", "-q", "-c", "pr");
  git(p.dir, "commit", "-q", "-am", `s2 for ${p.changedZone}`);
}

/** Synthesizes the base revision and applies the stack the PR will change, so its plan refreshes real records. */
function applyChangedStack(p: Project, env: NodeJS.ProcessEnv): void {
  runStep("synth (base)", p.dir, env, "plan", "synth");
  const dir = join(p.dir, "cdktf.out", "stacks", p.changedZone.replace(/\./g, "-"));
  mkdirSync(env.TF_PLUGIN_CACHE_DIR!, { recursive: true });
  for (const args of [
    ["init", "-input=false", "-no-color"],
    ["apply", "-input=false", "-no-color", "-auto-approve"],
  ]) {
    const r = terraform(args, { cwd: dir, env });
    if (r.status !== 0) throw new Error(`terraform ${args[0]} in ${dir}: ${r.stderr.slice(-2000)}`);
  }
}

interface ScenarioRun {
  stacks?: Timed;
  synth: Timed;
  plan: Timed;
}

const total = (r: ScenarioRun, k: "wallMs" | "cpuMs") => (r.stacks?.[k] ?? 0) + r.synth[k] + r.plan[k];

/** One run of the PR workflow's critical path: the stacks job's step, then synth and the plan step of one plan job. */
function prRun(label: string, p: Project, env: NodeJS.ProcessEnv, expectStacks: string[]): ScenarioRun {
  rmSync(join(p.dir, "cdktf.out"), { recursive: true, force: true });
  const stacks = runStep(`${label}: stacks`, p.dir, env, "stacks", "stacks", { "github.base_ref": "main" });
  const batches = JSON.parse(stacks.outputs.batches ?? "null") as string[];
  if (JSON.stringify(batches) !== JSON.stringify([expectStacks.join(" ")]))
    throw new Error(`${label}: the stacks job listed ${stacks.outputs.batches}, expected ${JSON.stringify(expectStacks)}`);
  const synth = runStep(`${label}: synth`, p.dir, env, "plan", "synth");
  const plan = runStep(`${label}: plan`, p.dir, env, "plan", "plan", { "matrix.stacks": batches[0] });
  const summary = readFileSync(join(p.dir, "plan-summary.md"), "utf8");
  if (plan.outputs.failed !== "0" || !summary.includes("Plan: 1 to add, 0 to change, 0 to destroy."))
    throw new Error(`${label}: unexpected plan summary:\n${summary}`);
  return { stacks, synth, plan };
}

/** The plan step of every stack in one job (as before `dkimctl stacks`), after synth. */
function everyRun(p: Project, env: NodeJS.ProcessEnv, stacks: string[]): ScenarioRun {
  rmSync(join(p.dir, "cdktf.out"), { recursive: true, force: true });
  const synth = runStep("every stack: synth", p.dir, env, "plan", "synth");
  const plan = runStep("every stack: plan", p.dir, env, "plan", "plan", { "matrix.stacks": stacks.join(" ") });
  const planned = (readFileSync(join(p.dir, "plan-summary.md"), "utf8").match(/^### Stack /gm) ?? []).length;
  if (planned !== stacks.length) throw new Error(`every stack: ${planned} stacks planned with changes, expected ${stacks.length}`);
  return { synth, plan };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function medianRun(runs: ScenarioRun[]): ScenarioRun {
  const pick = (k: "stacks" | "synth" | "plan"): Timed | undefined =>
    runs[0][k] && { wallMs: median(runs.map((r) => r[k]!.wallMs)), cpuMs: median(runs.map((r) => r[k]!.cpuMs)), outputs: {} };
  return { ...(runs[0].stacks ? { stacks: pick("stacks") } : {}), synth: pick("synth")!, plan: pick("plan")! };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  requireTerraform();
  requireMoto();
  const started = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), "dkimctl-bench-pr-"));
  log(`working in ${tmp}`);
  const moto = await MotoServer.start();
  try {
    log(`creating ${opts.zones + 1} hosted zones in moto`);
    const zones: { name: string; id: string }[] = [];
    for (let i = 1; i <= opts.zones; i++) {
      const name = `z${String(i).padStart(3, "0")}.bench.example`;
      zones.push({ name, id: await moto.createZone(name) });
    }
    const solo = { name: "solo.bench.example", id: await moto.createZone("solo.bench.example") };

    const big = makeProject(join(tmp, "zones"), zones);
    const floor = makeProject(join(tmp, "floor"), [solo]);
    const envOf = (p: Project) => ({ ...terraformEnv(moto.env()), TF_PLUGIN_CACHE_DIR: join(p.dir, ".terraform-plugin-cache") });
    for (const p of [big, floor]) {
      log(`applying ${p.changedZone} in ${p.dir} (base revision)`);
      applyChangedStack(p, envOf(p));
      changeOneDomain(p);
    }
    const changedStack = (p: Project) => [p.changedZone.replace(/\./g, "-")];

    log("warm-up run (not counted)");
    prRun("floor", floor, envOf(floor), changedStack(floor));
    prRun("changed only", big, envOf(big), changedStack(big));
    const floorRuns: ScenarioRun[] = [];
    const changedRuns: ScenarioRun[] = [];
    for (let i = 1; i <= opts.runs; i++) {
      floorRuns.push(prRun("floor", floor, envOf(floor), changedStack(floor)));
      changedRuns.push(prRun("changed only", big, envOf(big), changedStack(big)));
      log(`run ${i}/${opts.runs}: floor ${s(total(floorRuns[i - 1], "wallMs"))}, changed only ${s(total(changedRuns[i - 1], "wallMs"))}`);
    }

    let every: ScenarioRun | undefined;
    if (opts.every > 0) {
      const sample = big.stacks.slice(0, opts.every);
      log(`every stack: planning ${sample.length} stacks in one job (several seconds each)`);
      every = everyRun(big, envOf(big), sample);
      if (sample.length < big.stacks.length) {
        const scale = big.stacks.length / sample.length;
        every = { synth: every.synth, plan: { wallMs: every.plan.wallMs * scale, cpuMs: every.plan.cpuMs * scale, outputs: {} } };
      }
    }

    const f = medianRun(floorRuns);
    const c = medianRun(changedRuns);
    out(`# PR plan: one domain changed in a project of ${opts.zones} Route53 zones (moto ${moto.url}), .github/workflows/dkimctl-pr.yml's steps`);
    out(
      `# ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}; median of ${opts.runs} runs; wall / CPU`,
    );
    out();
    out("| scenario | stacks job | synth | plan step | total | vs floor |");
    out("| --- | --- | --- | --- | --- | --- |");
    const row = (name: string, r: ScenarioRun) => {
      const cell = (t?: Timed) => (t ? `${s(t.wallMs)} / ${s(t.cpuMs)}` : "-");
      out(
        `| ${name} | ${cell(r.stacks)} | ${cell(r.synth)} | ${cell(r.plan)} | ${s(total(r, "wallMs"))} / ${s(total(r, "cpuMs"))} | ${(
          total(r, "wallMs") / total(f, "wallMs")
        ).toFixed(2)}x |`,
      );
    };
    row("floor: 1 zone, 1 stack planned", f);
    row(`changed only: ${opts.zones} zones, 1 stack planned`, c);
    if (every)
      row(`every stack: ${opts.zones} zones, ${opts.zones} stacks planned${opts.every < opts.zones ? ` (${opts.every} measured, scaled)` : ""}`, every);
    out();
    const ratio = total(c, "wallMs") / total(f, "wallMs");
    out(
      `changed only / floor: ${ratio.toFixed(2)}x wall, ${(total(c, "cpuMs") / total(f, "cpuMs")).toFixed(2)}x CPU (target <= ${TARGET_RATIO}x wall): ${
        ratio <= TARGET_RATIO ? "met" : "NOT met"
      }`,
    );
    if (every) out(`every stack / changed only: ${(total(every, "wallMs") / total(c, "wallMs")).toFixed(1)}x wall`);
    out(`bench took ${s(performance.now() - started)}`);
  } finally {
    moto.stop();
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:pr failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
