/**
 * What a checkout of dkimctl makes of a fixture project: the bundled app's
 * synthesized stacks, a cdktf app of one's own (the fixture's user-app.js),
 * and the output of records, stacks, validate and check-plan. Run against
 * the checkout under test by test/golden.test.ts, and against a checkout of
 * the commit that made the golden files by scripts/write-golden.ts. Each
 * command runs in a child process with that checkout's dist/ and
 * node_modules, so the two never share code.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { generateConfig, type GenerateOptions } from "../../bench/generate";

/**
 * The fixtures, each a directory of test/fixtures/golden with domains.yaml
 * and dkim.lock.yaml (public keys only), or with generate.json: the size and
 * options bench/generate.ts makes the project from (deterministic), whose
 * outputs are only the synthesized stacks and `stacks`.
 */
export const GOLDEN_DIR = join(__dirname, "..", "fixtures", "golden");
export const GOLDEN_FIXTURES = ["example", "rich", "generated-1000", "providers3"] as const;

/** Outputs larger than this are kept gzipped (`<name>.gz`), and compared unzipped. */
const GZIP_OVER = 100_000;

/** A fixture's golden outputs as written to its out/: name -> bytes. */
export function goldenFiles(outputs: Map<string, string>): Map<string, Buffer> {
  return new Map(
    [...outputs].map(([name, text]) => (text.length > GZIP_OVER ? [`${name}.gz`, gzipSync(text, { level: 9 })] : [name, Buffer.from(text, "utf8")])),
  );
}

/** The text of a golden file of out/ (unzipped when `.gz`), by the output's name. */
export function readGolden(fixture: string): Map<string, string> {
  const dir = join(GOLDEN_DIR, fixture, "out");
  return new Map(
    readdirSync(dir).map((f) =>
      f.endsWith(".gz") ? [f.slice(0, -3), gunzipSync(readFileSync(join(dir, f))).toString("utf8")] : [f, readFileSync(join(dir, f), "utf8")],
    ),
  );
}

/** Every output, by a file name under the fixture's `out/`. */
export function goldenOutputs(root: string, fixture: string): Map<string, string> {
  const project = mkdtempSync(join(tmpdir(), "dkimctl-golden-"));
  try {
    cpSync(join(GOLDEN_DIR, fixture), project, { recursive: true, filter: (src) => !src.endsWith("/out") });
    const generate = join(project, "generate.json");
    const generated = existsSync(generate);
    if (generated) {
      const { size, ...options } = JSON.parse(readFileSync(generate, "utf8")) as GenerateOptions & { size: number };
      rmSync(generate);
      generateConfig(project, size, options);
      rmSync(join(project, "floor.json"));
    }
    const outputs = new Map<string, string>();
    const { DKIMCTL_KEY_STORE, ...inherited } = process.env;
    const env = { ...inherited, DKIMCTL_CONFIG: "domains.yaml", DKIMCTL_ROOT: root, CHECKPOINT_DISABLE: "1" };
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, args, { cwd: project, env: { ...env, ...extra }, encoding: "utf8" });
      // The project's temp directory varies from run to run: outputs name it as $PROJECT.
      return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`.replaceAll(project, "$PROJECT");
    };
    const synthesized = (outdir: string, prefix: string) => {
      outputs.set(`${prefix}manifest.json`, readFileSync(join(project, outdir, "manifest.json"), "utf8"));
      for (const stack of readdirSync(join(project, outdir, "stacks")).sort())
        for (const file of readdirSync(join(project, outdir, "stacks", stack)).sort())
          outputs.set(`${prefix}${stack}-${file}`, readFileSync(join(project, outdir, "stacks", stack, file), "utf8"));
    };

    outputs.set("app.txt", run(["-r", join(root, "bin", "check-build.js"), join(root, "dist", "main.js")], { CDKTF_OUTDIR: join(project, "cdktf.out") }));
    synthesized("cdktf.out", "app-");
    if (existsSync(join(project, "user-app.js"))) {
      outputs.set("user-app.txt", run(["user-app.js"], { CDKTF_OUTDIR: join(project, "user.out") }));
      synthesized("user.out", "user-app-");
    }
    const dkimctl = join(root, "bin", "dkimctl.js");
    if (!generated) for (const format of ["table", "json"]) outputs.set(`records-${format}.txt`, run([dkimctl, "records", "--format", format]));
    outputs.set("stacks.txt", run([dkimctl, "stacks", "--format", "json"]));
    // validate names the generated project's temporary directory: only the fixtures with files of their own keep its output.
    if (!generated) outputs.set("validate.txt", run([dkimctl, "validate"]));
    if (existsSync(join(project, "plan.json"))) outputs.set("check-plan.txt", run([dkimctl, "check-plan", "plan.json"]));
    return outputs;
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
