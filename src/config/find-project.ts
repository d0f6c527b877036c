/**
 * Which domains.yaml a command reads: `--config`, else `$DKIMCTL_CONFIG`
 * (both exactly as given, relative to the working directory), else the
 * nearest `domains.yaml` in the working directory or a directory above it,
 * as git finds `.git` and npm finds `package.json`. The search stops at the
 * top of the git work tree it starts in (the directory holding `.git`): a
 * domains.yaml above the repository belongs to another project, whose lock
 * and key store a command must not write. Outside a git work tree it stops
 * at the filesystem root.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { commandHint } from "../command-hint";
import { ProblemsError } from "./problems";

export const CONFIG_FILE_NAME = "domains.yaml";

/** Where the search went: the directories asked, nearest first, and why it stopped. */
export interface ProjectSearch {
  /** The config found, relative to `from` (`domains.yaml`, `../../domains.yaml`); undefined when none. */
  readonly file?: string;
  /** The first and last directory asked. */
  readonly from: string;
  readonly to: string;
  /** `to` is the top of a git work tree (else it is the filesystem root). */
  readonly gitTop: boolean;
}

/** Searches `from` and the directories above it for domains.yaml (see the module comment). */
export function searchUpward(from: string): ProjectSearch {
  let dir = from;
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (isFile(candidate)) return { file: relative(from, candidate), from, to: dir, gitTop: false };
    // `.git` is a directory in a clone, a file in a linked worktree or a submodule.
    if (existsSync(join(dir, ".git"))) return { from, to: dir, gitTop: true };
    const parent = dirname(dir);
    if (parent === dir) return { from, to: dir, gitTop: false };
    dir = parent;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The config path from an explicit option, `$DKIMCTL_CONFIG`, or the nearest domains.yaml (searched from `cwd`). */
export function configPath(explicit?: string, cwd = process.cwd()): string {
  const given = explicit ?? process.env.DKIMCTL_CONFIG;
  if (given !== undefined) return given;
  const search = searchUpward(cwd);
  if (search.file === undefined) throw new ProblemsError([notFound(search)]);
  return search.file;
}

/** `no domains.yaml in /a/b or any directory above it up to /a (the top of its git work tree): run ...` */
export function notFound(s: ProjectSearch): string {
  const where =
    s.from === s.to
      ? `in ${s.from}${s.gitTop ? " (the top of its git work tree)" : ""}`
      : `in ${s.from} or any directory above it up to ${s.to}${s.gitTop ? " (the top of its git work tree)" : ""}`;
  return (
    `no ${CONFIG_FILE_NAME} ${where}: ${commandHint("init")} starts a project here; ` +
    "for a project elsewhere, run the command in its directory or pass --config FILE (or set DKIMCTL_CONFIG)"
  );
}
