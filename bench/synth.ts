/**
 * `npm run bench`: how long the compiled dkimctl takes where a user waits,
 * each beside a floor or target measured in the same run, and at the end
 * every ratio side by side (the targets of issue #20):
 *   - start-up: `dkimctl --help`, `validate` and `records` on the example vs
 *     `node -e 0` (bench/startup.ts);
 *   - load: domains.yaml and dkim.lock.yaml of 10,000 domains (20,000 keys)
 *     read as every command reads them, vs a fixed 1.2 s (bench/load.ts);
 *   - synth: the cdktf app (cdktf.json's app, what `cdktf synth` runs) vs the
 *     floor (bench/floor.ts, compiled too: the same resources built directly
 *     with cdktf), at several sizes; signing-provider mode (10,000 customers,
 *     two slots each, their 20,000 keys in the lock, over the key zone's
 *     stacks) against its floor likewise; and the example through `dkimctl synth`
 *     (the whole command: config check, the app as a child, the manifest).
 * Prints numbers; asserts nothing about timing.
 *
 *   npm run bench [-- --sizes=10,1000 --customers=10000 --runs=5 --large-runs=3 --cli-runs=3 --startup-runs=10 --load-runs=3
 *                    --profile=auto|always|never --profile-floor --no-example --no-startup --no-load --keep]
 *
 * Environment equivalents: BENCH_SIZES, BENCH_CUSTOMERS (0: none), BENCH_RUNS, BENCH_RUNS_LARGE,
 * BENCH_CLI_RUNS, BENCH_STARTUP_RUNS, BENCH_LOAD_RUNS, BENCH_PROFILE,
 * BENCH_PROFILE_FLOOR=1, BENCH_EXAMPLE=0, BENCH_STARTUP=0, BENCH_LOAD=0, BENCH_KEEP=1.
 *
 * --profile=auto (the default) profiles the app (node --cpu-prof) at the
 * largest size >= 10,000 when it misses a synth target there;
 * --profile-floor also profiles the floor, for a side-by-side breakdown
 * (it costs one more large floor run).
 *
 * Every measurement is a fresh child process (module loading included, as
 * in `cdktf synth`): wall time measured here, CPU time (user + system) and
 * peak memory (max RSS) reported by the child (bench/report-usage.js).
 * `npm run bench` builds dist/ first when it is stale; this harness itself
 * runs through ts-node, the programs it times do not. Progress goes to
 * stderr, results to stdout. Everything is written under a temp dir,
 * removed at the end (unless --keep).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ModuleKind, ScriptTarget, transpileModule } from "typescript";
import { benchZones, DEFAULT_ZONES, generateConfig, generateCustomers, type GeneratedConfig, KEY_ZONE } from "./generate";
import { benchLoad, formatLoad, type LoadResult, loadRatio } from "./load";
import { check, childEnv, fmtMb, fmtMs, fmtRatio, log, maxOf, type Measurement, measure, median, medianOf, out, ROOT, table } from "./measure";
import { formatProfile, type ProfileSummary, readProfile } from "./profile";
import { benchStartup, formatStartup, type StartupResult, startupRatio, TARGET_STARTUP_CPU_RATIO } from "./startup";

/** cdktf.json's app: the compiled main.ts, after the stale-build check. */
const APP = ["-r", "./bin/check-build.js", "dist/main.js"];
const LARGE = 10_000;
/** Synth of 10,000 domains: at most this fraction of the floor's wall time, and this peak memory. */
const TARGET_RATIO = 0.35;
const TARGET_PEAK_MB = 200;
const TARGET_EXAMPLE_MS = 3000;

interface Options {
  sizes: number[];
  customers: number;
  runs: number;
  largeRuns: number;
  cliRuns: number;
  startupRuns: number;
  loadRuns: number;
  profile: "auto" | "always" | "never";
  profileFloor: boolean;
  example: boolean;
  startup: boolean;
  load: boolean;
  keep: boolean;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument '${a}' (expected --name or --name=value)`);
    flags.set(m[1], m[2] ?? "true");
  }
  const known = [
    "sizes",
    "customers",
    "runs",
    "large-runs",
    "cli-runs",
    "startup-runs",
    "load-runs",
    "profile",
    "profile-floor",
    "no-example",
    "no-startup",
    "no-load",
    "keep",
  ];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(", ")})`);
  const int = (flag: string, envName: string, dflt: number) => {
    const raw = flags.get(flag) ?? env[envName];
    if (raw === undefined || raw === "") return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} / ${envName} must be a positive whole number, got '${raw}'`);
    return n;
  };
  const sizesRaw = flags.get("sizes") ?? env.BENCH_SIZES ?? "10,1000,10000";
  const sizes = sizesRaw.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--sizes / BENCH_SIZES must be positive whole numbers separated by commas, got '${sizesRaw}'`);
  const profile = (flags.get("profile") ?? env.BENCH_PROFILE ?? "auto") as Options["profile"];
  if (!["auto", "always", "never"].includes(profile)) throw new Error(`--profile / BENCH_PROFILE must be auto, always or never, got '${profile}'`);
  return {
    sizes: [...new Set(sizes)].sort((a, b) => a - b),
    customers: (flags.get("customers") ?? env.BENCH_CUSTOMERS) === "0" ? 0 : int("customers", "BENCH_CUSTOMERS", LARGE),
    runs: int("runs", "BENCH_RUNS", 5),
    largeRuns: int("large-runs", "BENCH_RUNS_LARGE", 3),
    cliRuns: int("cli-runs", "BENCH_CLI_RUNS", 3),
    startupRuns: int("startup-runs", "BENCH_STARTUP_RUNS", 10),
    loadRuns: int("load-runs", "BENCH_LOAD_RUNS", 3),
    profile,
    profileFloor: flags.has("profile-floor") || env.BENCH_PROFILE_FLOOR === "1",
    example: !flags.has("no-example") && env.BENCH_EXAMPLE !== "0",
    startup: !flags.has("no-startup") && env.BENCH_STARTUP !== "0",
    load: !flags.has("no-load") && env.BENCH_LOAD !== "0",
    keep: flags.has("keep") || env.BENCH_KEEP === "1",
  };
}

let tmp = "";

/** bench/floor.ts compiled (type-only imports dropped) next to the inputs; node finds cdktf through NODE_PATH. */
function compileFloor(): string {
  const file = join(tmp, "floor.js");
  const source = readFileSync(join(ROOT, "bench", "floor.ts"), "utf8");
  writeFileSync(
    file,
    transpileModule(source, { compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022, esModuleInterop: true } }).outputText,
  );
  return file;
}
let floorJs = "";

const appArgv = () => [process.execPath, ...APP];
const floorArgv = (g: GeneratedConfig, outdir: string) => [process.execPath, floorJs, g.floorFile, outdir];
const floorEnv = () => childEnv({ NODE_PATH: join(ROOT, "node_modules") });

function runApp(label: string, configFile: string, outdir: string): Measurement {
  return measure(tmp, label, appArgv(), childEnv({ DKIMCTL_CONFIG: configFile, CDKTF_OUTDIR: outdir }), { node: true });
}

function runFloor(label: string, g: GeneratedConfig, outdir: string): Measurement {
  return measure(tmp, label, floorArgv(g, outdir), floorEnv(), { node: true });
}

interface Synthesized {
  /** Stack name -> parsed cdk.tf.json. */
  readonly stacks: Map<string, Record<string, unknown>>;
  readonly resources: number;
}

/** Reads what a synth wrote (stack files parsed only with `parse`); throws when the manifest or a stack file is missing. */
function readSynth(outdir: string, label: string, parse = true): Synthesized {
  const manifestFile = join(outdir, "manifest.json");
  if (!existsSync(manifestFile)) throw new Error(`${label}: no ${manifestFile}: nothing was synthesized`);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
  const stacks = new Map<string, Record<string, unknown>>();
  let resources = 0;
  for (const [name, s] of Object.entries(manifest.stacks)) {
    const file = join(outdir, s.synthesizedStackPath);
    if (!existsSync(file)) throw new Error(`${label}: stack ${name} has no ${file}`);
    if (!parse) {
      stacks.set(name, {});
      continue;
    }
    const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    stacks.set(name, json);
    for (const byType of Object.values((json.resource ?? {}) as Record<string, Record<string, unknown>>)) resources += Object.keys(byType).length;
  }
  return { stacks, resources };
}

/** JSON text with sorted keys and without cdktf's "//" metadata (construct paths differ by design). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => k !== "//")
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Undefined when the app and the floor synthesized the same Terraform; otherwise what differs. */
function compareSynth(app: Synthesized, floor: Synthesized): string | undefined {
  const a = [...app.stacks.keys()].sort().join(",");
  const f = [...floor.stacks.keys()].sort().join(",");
  if (a !== f) return `stacks differ: app [${a}] floor [${f}]`;
  for (const [name, json] of app.stacks) {
    const x = canonical(json);
    const y = canonical(floor.stacks.get(name));
    if (x !== y) {
      let i = 0;
      while (i < x.length && x[i] === y[i]) i++;
      return `stack ${name} differs at char ${i}: app ...${x.slice(Math.max(0, i - 60), i + 60)}... floor ...${y.slice(Math.max(0, i - 60), i + 60)}...`;
    }
  }
  return undefined;
}

interface SizeResult {
  readonly size: number;
  readonly records: number;
  readonly runs: number;
  readonly app: Measurement[];
  readonly floor: Measurement[];
  readonly resources: number;
  readonly mismatch?: string;
  readonly generated: GeneratedConfig;
}

/** `unit`: what the generated project has `g.size` of, as the log names it. */
function benchSize(g: GeneratedConfig, runs: number, unit: "domains" | "customers" = "domains"): SizeResult {
  const app: Measurement[] = [];
  const floor: Measurement[] = [];
  let resources = 0;
  let mismatch: string | undefined;
  for (let i = 1; i <= runs; i++) {
    const appOut = join(tmp, `out-app-${g.size}-${i}`);
    const floorOut = join(tmp, `out-floor-${g.size}-${i}`);
    // Interleaved, so a slow phase of the machine hits both sides.
    const a = runApp(`app (${g.size} ${unit})`, g.configFile, appOut);
    log(`  ${g.size} ${unit}, run ${i}/${runs}: app   ${fmtMs(a.ms)} (CPU ${fmtMs(a.cpuMs ?? NaN)}), ${fmtMb(a.rssKb)}`);
    const f = runFloor(`floor (${g.size} ${unit})`, g, floorOut);
    log(`  ${g.size} ${unit}, run ${i}/${runs}: floor ${fmtMs(f.ms)} (CPU ${fmtMs(f.cpuMs ?? NaN)}), ${fmtMb(f.rssKb)}`);
    app.push(a);
    floor.push(f);
    const appSynth = readSynth(appOut, `app (${g.size} ${unit})`, i === 1);
    if (appSynth.stacks.size !== g.zones) throw new Error(`app (${g.size} ${unit}) wrote ${appSynth.stacks.size} stacks, expected ${g.zones}`);
    if (i === 1) {
      const floorSynth = readSynth(floorOut, `floor (${g.size} ${unit})`);
      if (appSynth.resources !== g.records) throw new Error(`app (${g.size} ${unit}) wrote ${appSynth.resources} resources, expected ${g.records}`);
      resources = appSynth.resources;
      mismatch = compareSynth(appSynth, floorSynth);
      log(
        mismatch
          ? `  WARNING: the floor's Terraform differs from the app's: ${mismatch}`
          : `  checked: ${appSynth.stacks.size} stacks, ${resources} resources; app and floor Terraform identical`,
      );
    }
    rmSync(appOut, { recursive: true, force: true });
    rmSync(floorOut, { recursive: true, force: true });
  }
  return { size: g.size, records: g.records, runs, app, floor, resources, ...(mismatch ? { mismatch } : {}), generated: g };
}

interface ExampleResult {
  readonly stacks: number;
  readonly resources: number;
  readonly app: Measurement[];
  readonly cli: Measurement[];
  readonly strayFiles: string[];
}

/** A temp copy of the bundled example with its keys (dkimctl keys); returns its domains.yaml. */
function prepareExample(): string {
  const dir = join(tmp, "example");
  mkdirSync(dir);
  const config = join(dir, "domains.yaml");
  copyFileSync(join(ROOT, "domains.yaml"), config);
  log("example: generating its keys in a temp copy (node bin/dkimctl.js keys; the key store beside it)");
  const keys = spawnSync(process.execPath, ["bin/dkimctl.js", "keys", "--config", config], {
    cwd: ROOT,
    env: childEnv({}),
    encoding: "utf8",
  });
  check("dkimctl keys (example)", keys);
  return config;
}

function benchExample(opts: Options, config: string): ExampleResult {
  const app: Measurement[] = [];
  let stacks = 0;
  let resources = 0;
  for (let i = 1; i <= opts.runs; i++) {
    const outdir = join(tmp, `out-example-app-${i}`);
    const m = runApp("app (example)", config, outdir);
    const s = readSynth(outdir, "app (example)");
    stacks = s.stacks.size;
    resources = s.resources;
    rmSync(outdir, { recursive: true, force: true });
    log(`  example, run ${i}/${opts.runs}: app ${fmtMs(m.ms)} (CPU ${fmtMs(m.cpuMs ?? NaN)}), ${fmtMb(m.rssKb)}`);
    app.push(m);
  }

  // A project directory whose cdktf.json runs this checkout's app into its own output directory.
  const project = join(tmp, "cli-project");
  mkdirSync(project);
  const cli: Measurement[] = [];
  for (let i = 1; i <= opts.cliRuns; i++) {
    const outdir = join(tmp, `out-example-cli-${i}`);
    writeFileSync(
      join(project, "cdktf.json"),
      JSON.stringify({ app: `${process.execPath} ${APP.map((a) => (a.startsWith("-") ? a : join(ROOT, a))).join(" ")}`, output: outdir }),
    );
    const argv = [process.execPath, join(ROOT, "bin", "dkimctl.js"), "synth"];
    // In the project directory, as a user runs it: dkimctl synth reads the cdktf.json of its working directory.
    const m = measure(project, "dkimctl synth (example)", argv, childEnv({ DKIMCTL_CONFIG: config }), { node: false, cwd: project });
    const s = readSynth(outdir, "dkimctl synth (example)");
    if (s.stacks.size !== stacks || s.resources !== resources)
      throw new Error(`dkimctl synth wrote ${s.stacks.size} stacks / ${s.resources} resources, the app ${stacks} / ${resources}`);
    rmSync(outdir, { recursive: true, force: true });
    log(`  example, run ${i}/${opts.cliRuns}: dkimctl synth ${fmtMs(m.ms)}`);
    cli.push(m);
  }
  const strayFiles = readdirSync(project).filter((f) => f !== "cdktf.json");
  return { stacks, resources, app, cli, strayFiles };
}

function profileLarge(g: GeneratedConfig, withFloor: boolean): { app: ProfileSummary; floor?: ProfileSummary } {
  const profile = (label: string, argv: string[], env: NodeJS.ProcessEnv, outdir: string): ProfileSummary => {
    const dir = join(tmp, `prof-${label}`);
    log(`profiling ${label} at ${g.size} domains (node --cpu-prof)`);
    measure(tmp, `${label} (--cpu-prof)`, [argv[0], "--cpu-prof", `--cpu-prof-dir=${dir}`, ...argv.slice(1)], env, { node: false });
    rmSync(outdir, { recursive: true, force: true });
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`${label}: node --cpu-prof wrote no profile in ${dir}`);
    return readProfile(join(dir, file), ROOT);
  };
  const appOut = join(tmp, "out-prof-app");
  const floorOut = join(tmp, "out-prof-floor");
  return {
    app: profile("app", appArgv(), childEnv({ DKIMCTL_CONFIG: g.configFile, CDKTF_OUTDIR: appOut }), appOut),
    ...(withFloor ? { floor: profile("floor", floorArgv(g, floorOut), floorEnv(), floorOut) } : {}),
  };
}

/** Self time per package / project file, app minus floor, biggest difference first. */
function formatDiff(app: ProfileSummary, floor: ProfileSummary, top = 15): string {
  const f = new Map(floor.byGroup);
  const a = new Map(app.byGroup);
  const keys = new Set([...a.keys(), ...f.keys()]);
  const rows = [...keys].map((k) => [k, a.get(k) ?? 0, f.get(k) ?? 0] as const).sort((x, y) => y[1] - y[2] - (x[1] - x[2]));
  const lines = rows
    .slice(0, top)
    .map(
      ([k, x, y]) =>
        `    ${`${x - y >= 0 ? "+" : ""}${(x - y).toFixed(0)}`.padStart(7)} ms   app ${x.toFixed(0).padStart(6)}  floor ${y.toFixed(0).padStart(6)}   ${k}`,
    );
  return [
    `extra self time of the app over the floor, by package / project file (app ${app.totalMs.toFixed(0)} ms vs floor ${floor.totalMs.toFixed(0)} ms sampled):`,
    ...lines,
  ].join("\n");
}

/** Inclusive time of well-known hot spots, app (and floor). */
function formatHotSpots(app: ProfileSummary, floor?: ProfileSummary): string {
  const spots: [string, RegExp][] = [
    ["cdktf captureStackTrace (token creation stacks)", /^captureStackTrace cdktf\//],
    ["App.synth (prepare, resolve, write JSON)", /^synth cdktf\/lib\/app\.js/],
    ["Route53Record constructors", /^Route53Record @cdktf\/provider-aws\//],
    ["DnsRecord constructors", /^DnsRecord @cdktf\/provider-cloudflare\//],
    ["yaml parseDocument (config + lock)", /^parseDocument yaml\/dist\/public-api\.js/],
    ["  of it: yaml duplicate-key check (mapIncludes)", /^mapIncludes yaml\//],
    ["loadConfig (src/config/load.ts)", /^loadConfig (dist\/)?src\/config\/load\.[jt]s/],
    ["  of it: YamlSource.locate (positionOf per selector)", /^locate (dist\/)?src\/config\/yaml-source\.[jt]s/],
    ["  of it: createPublicKey (parseKeyRecord of txt:)", /^createPublicKey node:/],
    ["Lock.read (src/keys/lock.ts)", /^read (dist\/)?src\/keys\/lock\.[jt]s/],
    ["desiredRecords (src/records.ts)", /^desiredRecords (dist\/)?src\/records\.[jt]s/],
    ["DkimZoneStack constructors", /^DkimZoneStack (dist\/)?constructs\//],
    ["(garbage collector)", /^\(garbage collector\)/],
  ];
  const find = (s: ProfileSummary, re: RegExp) => {
    let total = 0;
    for (const [k, v] of s.inclusive) if (re.test(k)) total += v;
    return total;
  };
  const lines = spots.map(([name, re]) => {
    const a = `${find(app, re).toFixed(0).padStart(7)} ms`;
    const f = floor ? `  ${find(floor, re).toFixed(0).padStart(7)} ms` : "";
    return `    ${a}${f}   ${name}`;
  });
  return [`inclusive time of hot spots (of ${app.totalMs.toFixed(0)} ms sampled):  app${floor ? "     floor" : ""}`, ...lines].join("\n");
}

function main(): void {
  const opts = parseOptions(process.argv.slice(2), process.env);
  tmp = mkdtempSync(join(tmpdir(), "dkimctl-bench-"));
  const started = performance.now();
  const loadBefore = loadavg();
  log(`temp dir ${tmp}; sizes ${opts.sizes.join(", ")}; runs ${opts.runs} (${opts.largeRuns} at >= ${LARGE.toLocaleString("en-US")} domains)`);
  try {
    floorJs = compileFloor();
    const exampleConfig = opts.example || opts.startup ? prepareExample() : undefined;
    const startup: StartupResult | undefined = exampleConfig && opts.startup ? benchStartup(tmp, exampleConfig, opts.startupRuns) : undefined;

    let load: LoadResult | undefined;
    if (opts.load) {
      const t0 = performance.now();
      const g = generateConfig(join(tmp, "cfg-load"), LARGE, { generatedKeys: 2 });
      log(`generated the load project: ${g.size} domains, ${g.keys} keys in the lock, in ${fmtMs(performance.now() - t0)}`);
      load = benchLoad(tmp, g, opts.loadRuns);
    }

    const generated = opts.sizes.map((size) => {
      const t0 = performance.now();
      const g = generateConfig(join(tmp, `cfg-${size}`), size);
      log(`generated ${size} domains (${g.records} records) in ${fmtMs(performance.now() - t0)}`);
      return g;
    });

    log("warm-up (untimed): one app and one floor run at the smallest size");
    runApp("app warm-up", generated[0].configFile, join(tmp, "out-warm-app"));
    runFloor("floor warm-up", generated[0], join(tmp, "out-warm-floor"));

    const results: SizeResult[] = [];
    for (const g of generated) {
      const runs = g.size >= LARGE ? opts.largeRuns : opts.runs;
      log(`measuring ${g.size} domains: ${runs} runs each of app and floor`);
      results.push(benchSize(g, runs));
    }

    let customers: SizeResult | undefined;
    if (opts.customers > 0) {
      const t0 = performance.now();
      const g = generateCustomers(join(tmp, "cfg-customers"), opts.customers);
      log(`generated ${g.size} customers (${g.records} records in ${g.zones} stacks) in ${fmtMs(performance.now() - t0)}`);
      log(`measuring ${g.size} customers: ${opts.largeRuns} runs each of app and floor`);
      customers = benchSize(g, opts.largeRuns, "customers");
    }

    const example = exampleConfig && opts.example ? benchExample(opts, exampleConfig) : undefined;

    const large = results.find((r) => r.size === LARGE) ?? results.find((r) => r.size >= LARGE);
    const ratioOf = (r: SizeResult, field: "ms" | "cpuMs" = "ms") => medianOf(r.app, field) / medianOf(r.floor, field);
    const peakMb = (r: SizeResult) => (maxOf(r.app.map((m) => m.rssKb)) ?? Number.NaN) / 1024;
    const missed = (r: SizeResult) => !(ratioOf(r) <= TARGET_RATIO && peakMb(r) <= TARGET_PEAK_MB);
    const wantProfile = opts.profile === "always" || (opts.profile === "auto" && large !== undefined && missed(large));
    const profSize = large ?? results[results.length - 1];
    const profiles = wantProfile ? profileLarge(profSize.generated, opts.profileFloor) : undefined;
    const loadAfter = loadavg();

    // ---- report (stdout) ----
    out();
    out(`dkimctl benchmark: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}`);
    const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    out(`load average (1/5/15 min): ${la(loadBefore)} at start, ${la(loadAfter)} at end (other processes on the machine skew the numbers)`);
    out("times: medians over fresh processes; CPU = user + system time of the child; peak = max RSS over the runs");
    out();
    if (startup) {
      for (const l of formatStartup(startup)) out(l);
      out();
    }
    if (load) {
      for (const l of formatLoad(load)) out(l);
      out();
    }
    const zones = benchZones(DEFAULT_ZONES);
    out(
      `synth config: ${zones.length} zones (${zones.filter((z) => z.provider === "route53").length} route53, ` +
        `${zones.filter((z) => z.provider === "cloudflare").length} cloudflare; ` +
        `${zones.filter((z) => !z.zoneId).length} looked up by name), one stack each;`,
    );
    out("        per domain: selector s2026a (txt: RSA-2048 key record) + d2026a (cname: delegated to a signing provider)");
    out(`app   = node ${APP.join(" ")} (DKIMCTL_CONFIG, CDKTF_OUTDIR): cdktf.json's app, what 'cdktf synth' runs`);
    out("floor = bench/floor.ts compiled: same stacks/resources/values straight from a JSON record list");
    out();
    const rows = results.map((r) => [
      r.size.toLocaleString("en-US"),
      r.records.toLocaleString("en-US"),
      String(r.runs),
      fmtMs(medianOf(r.app, "ms")),
      fmtMs(medianOf(r.floor, "ms")),
      fmtRatio(ratioOf(r)),
      fmtMs(medianOf(r.app, "cpuMs")),
      fmtMs(medianOf(r.floor, "cpuMs")),
      fmtRatio(ratioOf(r, "cpuMs")),
      fmtMb(maxOf(r.app.map((m) => m.rssKb))),
      fmtMb(maxOf(r.floor.map((m) => m.rssKb))),
    ]);
    const header = ["domains", "records", "runs", "app wall", "floor wall", "app/floor", "app CPU", "floor CPU", "app/floor", "app peak", "floor peak"];
    for (const l of table(header, rows)) out(l);
    for (const r of results) if (r.mismatch) out(`WARNING (${r.size} domains): floor output differs from the app's: ${r.mismatch}`);
    out();
    if (customers) {
      const c = customers;
      out(
        `signing-provider mode: key zone ${KEY_ZONE} (route53, looked up by name), ${c.size.toLocaleString("en-US")} customers in a list file, ` +
          `two slots each (RSA-2048 keys in the lock), ${c.generated.zones} stacks:`,
      );
      const row = [c.size, c.records, c.runs].map((n) => n.toLocaleString("en-US"));
      const cells = [fmtMs(medianOf(c.app, "ms")), fmtMs(medianOf(c.floor, "ms")), fmtRatio(ratioOf(c)), fmtMs(medianOf(c.app, "cpuMs"))];
      const more = [
        fmtMs(medianOf(c.floor, "cpuMs")),
        fmtRatio(ratioOf(c, "cpuMs")),
        fmtMb(maxOf(c.app.map((m) => m.rssKb))),
        fmtMb(maxOf(c.floor.map((m) => m.rssKb))),
      ];
      for (const l of table(["customers", ...header.slice(1)], [[...row, ...cells, ...more]])) out(l);
      if (c.mismatch) out(`WARNING (${c.size} customers): floor output differs from the app's: ${c.mismatch}`);
      out();
    }
    out("all runs (wall ms / CPU ms):");
    const runsOf = (ms: Measurement[]) => ms.map((m) => `${Math.round(m.ms)}/${m.cpuMs === undefined ? "?" : Math.round(m.cpuMs)}`).join(", ");
    for (const r of results) {
      out(`  ${String(r.size).padStart(6)} app   ${runsOf(r.app)}`);
      out(`  ${String(r.size).padStart(6)} floor ${runsOf(r.floor)}`);
    }
    out();
    if (large) {
      const [wall, cpu] = [ratioOf(large), ratioOf(large, "cpuMs")];
      out(
        `target: synth app <= ${TARGET_RATIO}x floor's wall time and <= ${TARGET_PEAK_MB} MB peak at ${large.size.toLocaleString("en-US")} domains: ` +
          `wall ${fmtRatio(wall)} (CPU ${fmtRatio(cpu)}), peak ${Math.round(peakMb(large))} MB  ${missed(large) ? "NOT MET" : "MET"}`,
      );
    } else {
      out(`target: synth app <= ${TARGET_RATIO}x floor at ${LARGE.toLocaleString("en-US")} domains: not measured (size not in --sizes)`);
    }
    if (example) {
      const appMs = median(example.app.map((m) => m.ms));
      const cliMs = median(example.cli.map((m) => m.ms));
      const verdict = (ms: number) => (ms < TARGET_EXAMPLE_MS ? "MET" : "NOT MET");
      out(`target: example (domains.yaml: ${example.stacks} stacks, ${example.resources} records) synthesized in under ${TARGET_EXAMPLE_MS / 1000} s:`);
      out(
        `    app (node ${APP.join(" ")}), median of ${example.app.length}: ${fmtMs(appMs).padStart(9)}  ${verdict(appMs)}   ` +
          `(CPU ${fmtMs(medianOf(example.app, "cpuMs"))}; peak ${fmtMb(maxOf(example.app.map((m) => m.rssKb)))}; ` +
          `runs ${example.app.map((m) => Math.round(m.ms)).join(", ")})`,
      );
      out(
        `    dkimctl synth (whole command), median of ${example.cli.length}: ${fmtMs(cliMs).padStart(9)}  ${verdict(cliMs)}   ` +
          `(runs ${example.cli.map((m) => Math.round(m.ms)).join(", ")})`,
      );
      if (example.strayFiles.length) out(`WARNING: dkimctl synth created in the project directory: ${example.strayFiles.join(", ")}`);
    } else {
      out("target: example synthesized in under 3 s: not measured (--no-example)");
    }
    if (profiles) {
      out();
      out(`profile (node --cpu-prof, ${profSize.size.toLocaleString("en-US")} domains; profiling adds overhead):`);
      if (profiles.floor) {
        out(formatDiff(profiles.app, profiles.floor));
        out();
      }
      out(formatHotSpots(profiles.app, profiles.floor));
      out();
      out(formatProfile("app profile", profiles.app, 15));
      if (profiles.floor) {
        out();
        out(formatProfile("floor profile", profiles.floor, 10));
      }
    }
    out();
    out(`ratios against their floors and targets (issue #20; load average ${la(loadAfter)} at the end):`);
    const summary: string[][] = [];
    const verdict = (ok: boolean) => (ok ? "MET" : "NOT MET");
    if (large) {
      summary.push([
        `synth, ${large.size.toLocaleString("en-US")} domains: app wall / plain-cdktf floor wall`,
        fmtRatio(ratioOf(large)),
        `<= ${TARGET_RATIO}x`,
        verdict(ratioOf(large) <= TARGET_RATIO),
      ]);
      summary.push([
        `synth, ${large.size.toLocaleString("en-US")} domains: app peak RSS (floor ${fmtMb(maxOf(large.floor.map((m) => m.rssKb)))})`,
        `${Math.round(peakMb(large))} MB`,
        `<= ${TARGET_PEAK_MB} MB`,
        verdict(peakMb(large) <= TARGET_PEAK_MB),
      ]);
    }
    if (customers)
      summary.push(
        [
          `synth, ${customers.size.toLocaleString("en-US")} customers (2 slots each): app wall / plain-cdktf floor wall`,
          fmtRatio(ratioOf(customers)),
          `<= ${TARGET_RATIO}x`,
          verdict(ratioOf(customers) <= TARGET_RATIO),
        ],
        [
          `synth, ${customers.size.toLocaleString("en-US")} customers: app peak RSS (floor ${fmtMb(maxOf(customers.floor.map((m) => m.rssKb)))})`,
          `${Math.round(peakMb(customers))} MB`,
          `<= ${TARGET_PEAK_MB} MB`,
          verdict(peakMb(customers) <= TARGET_PEAK_MB),
        ],
      );
    if (load)
      summary.push([
        `load, ${load.domains.toLocaleString("en-US")} domains + ${load.keys.toLocaleString("en-US")} keys: wall / 1.2 s`,
        fmtRatio(loadRatio(load)),
        "<= 1.00x",
        verdict(loadRatio(load) <= 1),
      ]);
    if (startup) {
      const ratio = startupRatio(startup, "dkimctl validate");
      summary.push([
        "dkimctl validate (example): CPU / node -e 0 CPU",
        fmtRatio(ratio),
        `<= ${TARGET_STARTUP_CPU_RATIO}x`,
        verdict(ratio <= TARGET_STARTUP_CPU_RATIO),
      ]);
    }
    for (const l of table(["measure", "ratio", "target", ""], summary)) out(`  ${l}`);
    out();
    out(`total benchmark time: ${(Math.round((performance.now() - started) / 100) / 10).toFixed(1)} s`);
  } finally {
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
