/**
 * Jest setup (setupFilesAfterEnv): a test file may start an external tool
 * only when test/support/external-tools.js lists it, so that `npm run
 * test:unit` (every file not listed) needs nothing but Node.js. Node.js
 * itself (the CLI, the cdktf app), git and a few base system commands are
 * allowed everywhere; anything else a test file starts through
 * node:child_process throws, naming the file and the command.
 *
 * node:child_process is one module object per jest worker, shared by the
 * test files it runs: it is wrapped once, and each file records its path on
 * it before its tests run.
 */
import childProcess from "node:child_process";
import { basename, relative } from "node:path";

const LISTED: Record<string, string> = require("./external-tools.js");

/** Commands every test may start: Node.js, git and base system tools. */
const BASE = new Set(["node", basename(process.execPath), "git", "sh", "bash", "cp", "rm", "grep", "script"]);

const STATE = Symbol.for("dkimctl.toolGuard");
type Guarded = typeof childProcess & { [STATE]?: { testPath?: string } };
const cp = childProcess as Guarded;

/** Throws when the current test file may not start `command`. */
function check(command: string): void {
  const testPath = cp[STATE]?.testPath;
  if (!testPath) return;
  const name = basename(command.trim().split(/\s+/)[0] ?? "");
  const file = basename(testPath);
  if (BASE.has(name) || command === process.execPath || Object.hasOwn(LISTED, file)) return;
  throw new Error(
    `${relative(process.cwd(), testPath)} starts '${name}', an external tool, but test/support/external-tools.js does not list it: ` +
      `add "${file}": "${name}" there (npm run test:unit then leaves the file out)`,
  );
}

if (!cp[STATE]) {
  cp[STATE] = {};
  for (const fn of ["spawn", "spawnSync", "execFile", "execFileSync", "exec", "execSync"] as const) {
    const original = cp[fn] as (...args: unknown[]) => unknown;
    Object.defineProperty(cp, fn, {
      configurable: true,
      writable: true,
      value: function guarded(this: unknown, command: unknown, ...rest: unknown[]) {
        check(String(command));
        return original.call(this, command, ...rest);
      },
    });
  }
}
cp[STATE]!.testPath = expect.getState().testPath;
