#!/usr/bin/env node
// `npm run build`, and `prepare` (which `npm ci` runs): compiles main.ts,
// src/ and constructs/ to dist/ with source maps (`tsc -b
// tsconfig.build.json`, incremental: a build with nothing to do takes a
// fraction of a second), then stamps dist/ for bin/build-state.js.
//
//   node bin/build.js [--if-stale]     # --if-stale: nothing to do when dist/ is fresh
//
// Builds take turns (a lock in dist/), so test runs started together do not
// write the same files at once. Compiler messages go to stderr. Exit status
// is tsc's; dist/ is stamped only after a build without errors, so after a
// failed one the bins keep asking for `npm run build`.

const { spawn } = require("node:child_process");
const { closeSync, existsSync, mkdirSync, openSync, utimesSync } = require("node:fs");
const { join } = require("node:path");
const { lock } = require("proper-lockfile");
const { ROOT, STAMP, newestSourceMtime, staleReason } = require("./build-state");

/** Runs tsc (asynchronously: the lock is kept fresh meanwhile); resolves to its exit status. */
function tsc(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), ...args], {
      cwd: ROOT,
      stdio: ["ignore", process.stderr, process.stderr],
    });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

async function build(ifStale) {
  // An installed package has dist/ and no sources: nothing to build. (npm runs
  // `prepare` when it installs from a tarball or git; TypeScript is not there.)
  if (!existsSync(join(ROOT, "src"))) return 0;
  if (ifStale && !staleReason()) return 0;
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  const release = await lock(ROOT, {
    realpath: false,
    lockfilePath: join(ROOT, "dist", ".build.lock"),
    retries: { retries: 600, minTimeout: 100, maxTimeout: 200 },
  });
  try {
    // Another run may have built while this one waited.
    if (ifStale && !staleReason()) return 0;
    // Sources changed from here on are newer than the stamp (a future mtime does not make every build stale).
    const started = Math.max(Date.now(), newestSourceMtime()) / 1000;
    const status = await tsc(["-b", "tsconfig.build.json"]);
    if (status !== 0) {
      process.stderr.write(`dkimctl build: tsc exited ${status}; dist/ is not up to date\n`);
      return status;
    }
    const stamp = join(ROOT, STAMP);
    closeSync(openSync(stamp, "w"));
    utimesSync(stamp, started, started);
    return 0;
  } finally {
    await release();
  }
}

build(process.argv.includes("--if-stale")).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`dkimctl build: ${e.message}\n`);
    process.exitCode = 1;
  },
);
