// Writes test/fixtures/golden/<fixture>/out/ from a checkout of dkimctl (default: this one), built with `npm ci`.
// The golden files are what the code produced before providers became plugins: see test/fixtures/golden/README.md.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GOLDEN_DIR, GOLDEN_FIXTURES, goldenOutputs } from "../test/support/golden";

const root = resolve(process.argv[2] ?? join(__dirname, ".."));
for (const fixture of GOLDEN_FIXTURES) {
  const out = join(GOLDEN_DIR, fixture, "out");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  for (const [name, text] of goldenOutputs(root, fixture)) writeFileSync(join(out, name), text);
  console.log(`wrote ${out} from ${root}`);
}
