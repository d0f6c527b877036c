/**
 * Paths as the file system resolves them: what a destructive path compares
 * (a symbolic link or a `..` must not make the project look like somewhere
 * else), and the links a write or a deletion must never go through.
 */
import { lstatSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** The real path of `path` (every link resolved), which need not exist: its nearest existing ancestor's real path, then the rest. */
export function realPath(path: string): string {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      return join(realpathSync(p), ...missing);
    } catch {
      if (dirname(p) === p) return join(p, ...missing);
      missing.unshift(basename(p));
      p = dirname(p);
    }
  }
}

/** Whether `inner` is `outer` or lies below it (compare real paths). */
export function isWithin(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/** The first entry on the way from `dir` (excluded) to `dir/rel` (included) that is a symbolic link, or undefined. */
export function linkOnPath(dir: string, rel: string): string | undefined {
  let p = dir;
  for (const part of rel.split(/[\\/]/).filter(Boolean)) {
    p = join(p, part);
    try {
      if (lstatSync(p).isSymbolicLink()) return p;
    } catch {
      return undefined; // what does not exist yet is made by the writer, as a directory or a file
    }
  }
  return undefined;
}
