/**
 * Whether files written under a directory could be committed by mistake: it
 * is inside a git work tree and git does not ignore them. Private keys there
 * are one `git add` away from a commit. Git is asked about every file, not a
 * stand-in: a `.gitignore` of `.*` ignores a marker file and none of the keys.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface GitExposure {
  /** The work tree's top directory. */
  readonly tree: string;
  /** The files (as given, relative to the directory) that git does not ignore: `git add` would take them. */
  readonly unignored: readonly string[];
  /** The files (as given) that git tracks: part of the project. */
  readonly tracked: readonly string[];
}

/**
 * What git says of files `rels` under `dir` (which need not exist yet), or
 * undefined when `dir` is in no work tree or git is not installed.
 */
export function gitExposure(dir: string, rels: readonly string[]): GitExposure | undefined {
  let existing = resolve(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const git = (args: string[], input?: string) => spawnSync("git", ["-C", existing, ...args], { encoding: "utf8", input, maxBuffer: 1 << 28 });
  const top = git(["rev-parse", "--show-toplevel"]);
  if (top.error || top.status !== 0) return undefined; // no git, or not in a work tree
  const asked = rels.map((rel) => relative(existing, join(resolve(dir), rel)));
  const byAsked = new Map(asked.map((a, i) => [a, rels[i]]));
  // check-ignore lists the ignored paths: 0 some ignored, 1 none, 128 an error (then nothing counts as ignored).
  const ignored = git(["check-ignore", "--stdin", "-z"], asked.map((p) => `${p}\0`).join(""));
  const ignoredSet = new Set(ignored.status === 0 ? ignored.stdout.split("\0").filter(Boolean) : []);
  const tracked = git(["ls-files", "-z", "--", relative(existing, resolve(dir)) || "."]);
  const trackedSet = new Set(tracked.status === 0 ? tracked.stdout.split("\0").filter(Boolean) : []);
  return {
    tree: top.stdout.trim(),
    unignored: asked.filter((a) => !ignoredSet.has(a)).map((a) => byAsked.get(a)!),
    tracked: asked.filter((a) => trackedSet.has(a)).map((a) => byAsked.get(a)!),
  };
}
