/**
 * `npm run bench:install`: what a fresh `dkimctl init` project costs to
 * install with each `--cli` choice this Node can run (dkimctl, cdktf,
 * cdktn): the wall time of its `npm install` with an empty npm cache (as on a
 * new machine or CI runner) and again with the cache that run filled, the
 * number of packages, and the disk node_modules takes. The project is
 * written as a user's is: the packed tarball installed, then `npx dkimctl
 * init --cli X` into an empty directory. Prints numbers; asserts nothing.
 *
 *   npm run bench:install [-- --cli=dkimctl,cdktf,cdktn --keep]
 *
 * Needs the npm registry. Run it under each Node (e.g. PATH=.../node-24/bin:$PATH)
 * to see each choice where it runs: cdktf only up to Node 22, cdktn from 22.19.
 */
import { spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CLI_CHOICES, type CliChoice, cliProblem, currentNode } from "../src/init/cli-choice";
import { fmtMs, log, out, ROOT, table } from "./measure";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const keep = process.argv.includes("--keep");

/** Runs a command in `cwd`; throws with its output when it fails. Returns the wall time in ms. */
function sh(cwd: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} in ${cwd} failed (${r.error?.message ?? r.status}):\n${r.stderr}${r.stdout}`);
  return performance.now() - t0;
}

/** Disk used below `dir` (allocated blocks, links not followed), in KB. */
function diskKb(dir: string): number {
  let blocks = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) blocks += lstatSync(join(dir, f)).blocks;
  return Math.round((blocks * 512) / 1024);
}

/** The packages npm installed in `dir` (every node_modules/<name> or @scope/<name> with a package.json, nested ones too). */
function packageCount(dir: string): number {
  const r = spawnSync("npm", ["ls", "--all", "--parseable"], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return new Set(r.stdout.split("\n").filter((l) => l.includes("node_modules"))).size;
}

function main(): void {
  const node = currentNode();
  const wanted = (arg("cli")?.split(",") ?? [...CLI_CHOICES]) as CliChoice[];
  const tmp = mkdtempSync(join(tmpdir(), "dkimctl-bench-install-"));
  try {
    const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], { cwd: ROOT, encoding: "utf8" });
    const tarball = join(tmp, JSON.parse(packed.stdout)[0].filename);
    const tool = join(tmp, "tool");
    sh(tmp, "mkdir", [tool]);
    log(`npm install ${tarball} (to run init from)`);
    sh(tool, "npm", ["install", "--no-audit", "--no-fund", tarball]);
    const rows: string[][] = [];
    for (const cli of wanted) {
      const refused = cliProblem(cli, node);
      if (refused) {
        log(`--cli ${cli}: not on Node ${node.version}: ${refused}`);
        rows.push([cli, "n/a", "n/a", "n/a", "n/a", `not on Node ${node.version}`]);
        continue;
      }
      const project = join(tmp, `project-${cli}`);
      sh(tool, "npx", ["dkimctl", "init", project, "--cli", cli]);
      const cache = join(tmp, `cache-${cli}`);
      const env = { ...process.env, npm_config_cache: cache, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
      log(`--cli ${cli}: npm install, empty cache`);
      const cold = sh(project, "npm", ["install"], env);
      const packages = packageCount(project);
      const kb = diskKb(join(project, "node_modules"));
      rmSync(join(project, "node_modules"), { recursive: true, force: true });
      log(`--cli ${cli}: npm ci, the cache that run filled`);
      const warm = sh(project, "npm", ["ci"], env);
      rows.push([cli, fmtMs(cold), fmtMs(warm), String(packages), `${Math.round(kb / 1024)} MB`, ""]);
    }
    out(`## npm install of a fresh dkimctl init project (Node ${node.version}, npm ${spawnSync("npm", ["-v"], { encoding: "utf8" }).stdout.trim()})`);
    out();
    for (const line of table(["--cli", "npm install, empty cache", "npm ci, warm cache", "packages", "node_modules", ""], rows)) out(line);
  } finally {
    if (keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

main();
