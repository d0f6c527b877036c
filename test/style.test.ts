/**
 * Line width: every git-tracked .ts and .js file keeps its lines within the
 * width biome.json sets for the formatter. Biome wraps code but cannot split a
 * long string, template or regex literal: this test catches those.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/project";

/** The formatter's line width, from biome.json. */
function lineWidth(): number {
  const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8")) as { formatter?: { lineWidth?: unknown } };
  const width = config.formatter?.lineWidth;
  if (typeof width !== "number") throw new Error("biome.json sets no formatter.lineWidth");
  return width;
}

/** The .ts and .js files git tracks, relative to the repository root. */
function trackedFiles(): string[] {
  const r = spawnSync("git", ["ls-files", "-z", "--", "*.ts", "*.js"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ls-files failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  return r.stdout.split("\0").filter((f) => f !== "");
}

test("no line of a git-tracked .ts or .js file is longer than biome.json's formatter.lineWidth", () => {
  const width = lineWidth();
  const files = trackedFiles();
  expect(files.length).toBeGreaterThan(0);
  const long: string[] = [];
  // Generated code (src/config/config-shape.generated.ts, from the schema by 'npm run schema') is written as its generator writes it.
  for (const file of files.filter((f) => !f.endsWith(".generated.ts"))) {
    const lines = readFileSync(join(ROOT, file), "utf8").split(/\r?\n/);
    lines.forEach((line, i) => {
      // Characters (code points), as an editor counts them; not UTF-16 units.
      const length = [...line].length;
      if (length > width) long.push(`${file}:${i + 1}:${length}`);
    });
  }
  if (long.length > 0) throw new Error(`${long.length} lines longer than ${width} characters (file:line:length):\n${long.join("\n")}`);
});
