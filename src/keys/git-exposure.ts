/**
 * Whether files written under a directory could be committed by mistake: it
 * is inside a git work tree and git does not ignore it. Private keys there
 * are one `git add` away from a commit.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The work tree that would take a file `probe` written under `dir` (which
 * need not exist yet), or undefined when git ignores it, `dir` is in no work
 * tree, or git is not installed.
 */
export function unignoredWorkTree(dir: string, probe: string): string | undefined {
  let existing = resolve(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const git = (...args: string[]) => spawnSync("git", ["-C", existing, ...args], { encoding: "utf8" });
  const top = git("rev-parse", "--show-toplevel");
  if (top.error || top.status !== 0) return undefined; // no git, or not in a work tree
  const path = relative(existing, join(resolve(dir), probe));
  // 0: ignored, 1: not ignored, 128: an error (e.g. a path inside .git) where no check applies.
  return git("check-ignore", "-q", "--", path).status === 1 ? top.stdout.trim() : undefined;
}
