// Is dist/ (main.ts, src/ and constructs/ compiled by `npm run build`) at
// least as new as the TypeScript it came from? A stale build must never run
// silently: the bins stop with the command that fixes it. The check stats
// each source file (about 60; loading this file and checking take 5 ms in a
// fresh process, `npm run bench` measures it) and is skipped where there are
// no sources (the package installed from dist/).

const { readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
/** Written by bin/build.js after each build; its mtime is when the build started. */
const STAMP = join("dist", ".stamp");
const SOURCES = ["main.ts", "src", "constructs", "tsconfig.json", "tsconfig.build.json"];
const FIX = "run 'npm run build'";

const mtimeOf = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/** Each source of `root` as [path relative to root, mtime in ms]. */
function* sources(root) {
  function* walk(rel) {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) yield* walk(path);
      else if (e.name.endsWith(".ts")) yield [path, mtimeOf(join(root, path))];
    }
  }
  for (const rel of SOURCES) {
    const s = statSync(join(root, rel), { throwIfNoEntry: false });
    if (s?.isDirectory()) yield* walk(rel);
    else if (s) yield [rel, s.mtimeMs];
  }
}

/** The newest mtime (ms) among the sources of `root`: bin/build.js stamps at least this. */
function newestSourceMtime(root = ROOT) {
  let newest = 0;
  for (const [, mtime] of sources(root)) newest = Math.max(newest, mtime);
  return newest;
}

/** Undefined when dist/ is fresh or there are no sources; otherwise why it cannot run, with the fix. */
function staleReason(root = ROOT) {
  if (!statSync(join(root, "src"), { throwIfNoEntry: false })) return undefined;
  const built = mtimeOf(join(root, STAMP));
  if (built === undefined) return `dist/ has not been built: ${FIX}`;
  for (const [rel, mtime] of sources(root)) if (mtime > built) return `dist/ is older than ${rel}: ${FIX}`;
  return undefined;
}

/**
 * What each start of dist/ runs first (bin/dkimctl.js; `node -r
 * ./bin/check-build.js` for the cdktf app): exits 1 with the fix when dist/ is
 * stale. With DKIMCTL_DEBUG set (the only time a stack trace is printed),
 * stack positions are mapped back to the TypeScript sources; mapping is off
 * otherwise, because cdktf records a stack trace for every token it makes and
 * mapping those slows synth.
 */
function checkBuilt() {
  const reason = staleReason();
  if (reason) {
    process.stderr.write(`error: ${reason}\n`);
    process.exit(1);
  }
  if (process.env.DKIMCTL_DEBUG) process.setSourceMapsEnabled(true);
}

module.exports = { ROOT, STAMP, staleReason, newestSourceMtime, checkBuilt };
