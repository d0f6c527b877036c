// Writes test/fixtures/golden/<fixture>/out/ from a checkout of dkimctl (default: this one), built with `npm ci`.
// The golden files are what the code produced before providers became plugins: see test/fixtures/golden/README.md.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GOLDEN_DIR, GOLDEN_FIXTURES, goldenFiles, goldenOutputs } from "../test/support/golden";

const root = resolve(process.argv[2] ?? join(__dirname, ".."));
// Only the fixtures named after the checkout, when any are (e.g. generated-1000).
const only = process.argv.slice(3);
for (const fixture of GOLDEN_FIXTURES.filter((f) => only.length === 0 || only.includes(f))) {
  const out = join(GOLDEN_DIR, fixture, "out");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  for (const [name, bytes] of goldenFiles(goldenOutputs(root, fixture))) writeFileSync(join(out, name), bytes);
  console.log(`wrote ${out} from ${root}`);
}
