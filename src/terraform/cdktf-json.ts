/**
 * A project's cdktf.json as cdktf's CLI reads it: the app (a shell command
 * that writes the Terraform JSON) and the output directory.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface CdktfProject {
  /** The directory of cdktf.json: the app runs there. */
  readonly dir: string;
  /** cdktf.json's `app`. */
  readonly app: string;
  /** cdktf.json's `output` (default cdktf.out), absolute. */
  readonly outdir: string;
}

/**
 * cdktf.json of the first of `dirs` that has one. Throws an Error that names
 * every directory looked in, and what to do, when none has one or it cannot be read.
 */
export function findCdktfProject(dirs: readonly string[]): CdktfProject {
  const tried = [...new Set(dirs.map((d) => resolve(d)))];
  for (const dir of tried) {
    const file = join(dir, "cdktf.json");
    if (!existsSync(file)) continue;
    let json: { app?: unknown; output?: unknown };
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`${file} is not JSON (${(e as Error).message}): fix it, or write it again with 'dkimctl init --force'`);
    }
    if (typeof json?.app !== "string" || json.app.trim() === "")
      throw new Error(`${file} has no "app" (the command that writes the Terraform JSON): 'dkimctl init' writes one`);
    const output = typeof json.output === "string" && json.output !== "" ? json.output : "cdktf.out";
    return { dir, app: json.app, outdir: resolve(dir, output) };
  }
  throw new Error(`no cdktf.json in ${tried.join(" or ")}: run this in the project's directory, or write the project with 'dkimctl init'`);
}
