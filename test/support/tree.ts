/** A directory tree as data, to assert that a failed run changed nothing. */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

/** Every entry below `dir`: its mode, and its content (files) or target (links). */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = relative(dir, p);
      const m = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[key] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[key] = `dir ${m}`;
        walk(p);
      } else out[key] = `file ${m} ${readFileSync(p, "base64")}`;
    }
  };
  walk(dir);
  return out;
}
