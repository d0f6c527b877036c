/**
 * A scratch copy of this project moved to CDK Terrain the way README's
 * "Moving to CDK Terrain" says: `cdktf` installed as an npm alias of `cdktn`,
 * an `overrides` entry so that the `@cdktf/provider-*` peers (and cdktf-cli)
 * take it, and `constructs` at cdktn's minimum. Everything else in
 * package.json, and the app's sources, are copied unchanged.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CDK_TERRAIN } from "../../src/init/cli-choice";
import { ROOT, tempDir } from "./project";

/** What init --cli cdktn writes (src/init/cli-choice.ts): cdktn, and constructs at cdktn's minimum (the main project pins an older one). */
export const CDKTN_VERSION = CDK_TERRAIN.cdktn;
export const CONSTRUCTS_VERSION = CDK_TERRAIN.constructs;

/** What the cdktf app needs; tests and docs stay behind. */
const APP_FILES = ["bin", "src", "constructs", "main.ts", "tsconfig.json", "tsconfig.build.json", "cdktf.json", "package-lock.json"];
/** The largest packages, hard-linked from the main install so that npm need not unpack them again. */
const LARGE = ["@cdktf/provider-aws", "@cdktf/provider-cloudflare", "@cdktf/node-pty-prebuilt-multiarch", "@cdktf/provider-generator", "typescript"];

/**
 * The project's package.json moved to cdktn: cdktf an alias of cdktn, the
 * providers' (and cdktf-cli's) cdktf overridden to it, constructs raised.
 */
export function movedPackageJson(pkg: { dependencies: Record<string, string>; devDependencies?: Record<string, string> }) {
  // A project has them in dependencies (as dkimctl init writes it); this repository, whose peers they are, in devDependencies.
  const section = pkg.devDependencies?.cdktf !== undefined ? "devDependencies" : "dependencies";
  return {
    ...pkg,
    [section]: { ...pkg[section], cdktf: `npm:cdktn@${CDKTN_VERSION}`, constructs: CONSTRUCTS_VERSION },
    overrides: { cdktf: "$cdktf" },
  };
}

/**
 * Makes the scratch copy and runs `npm install` in it (the main lock as the
 * starting point); returns its directory and how long npm took.
 */
export function cdktnProject(): { dir: string; npmMs: number } {
  const dir = tempDir("dkimctl-cdktn-");
  for (const f of APP_FILES) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(movedPackageJson(pkg), null, 2)}\n`);
  linkLarge(dir);
  const started = Date.now();
  const npm = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
    timeout: 300_000,
  });
  if (npm.status !== 0) throw new Error(`npm install in the scratch copy failed (${npm.error?.message ?? `exit ${npm.status}`}):\n${npm.stderr}${npm.stdout}`);
  return { dir, npmMs: Date.now() - started };
}

/** `cp -al` of the large packages; where hard links cannot be made (another file system), npm installs them. */
function linkLarge(dir: string): void {
  mkdirSync(join(dir, "node_modules", "@cdktf"), { recursive: true });
  for (const p of LARGE) {
    const target = join(dir, "node_modules", p);
    const cp = spawnSync("cp", ["-al", join(ROOT, "node_modules", p), target], { encoding: "utf8" });
    if (cp.status !== 0) rmSync(target, { recursive: true, force: true });
  }
}

/** The `name@version` a module of `dir` gets when it imports `spec` (as the providers import `cdktf`). */
export function resolvedFrom(dir: string, from: string, spec: string): string {
  const r = spawnSync(
    process.execPath,
    [
      "-p",
      `const p = require(require.resolve(${JSON.stringify(`${spec}/package.json`)}, ` +
        `{ paths: [${JSON.stringify(join(dir, from))}] })); p.name + "@" + p.version`,
    ],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}
