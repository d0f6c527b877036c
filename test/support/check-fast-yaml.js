// Runs every file the fast YAML read takes (src/config/fast-yaml.ts) through
// the position-keeping parse too, and throws when the two disagree: the fast
// read took a file that `yaml` finds an error or a duplicate key in, or made
// other data. Loaded into a test run so that each of its inputs is read both
// ways (docs/development.md, "Performance"):
//   NODE_OPTIONS="--require $PWD/test/support/check-fast-yaml.js" \
//     npx jest --maxWorkers=1 --setupFilesAfterEnv ./test/support/check-fast-yaml.js test/config-errors.test.ts ...
// In a node process it wraps dist/'s module (the bins and the app); in a jest
// test file, the TypeScript source's. Counts go to $CHECK_FAST_YAML_LOG when set.

const { appendFileSync } = require("node:fs");
const { join } = require("node:path");
const { isDeepStrictEqual } = require("node:util");
const { parseDocument } = require("yaml");

const inJest = typeof jest !== "undefined";
const module_ = inJest ? require("../../src/config/fast-yaml") : require(join(__dirname, "..", "..", "dist", "src", "config", "fast-yaml.js"));
const fast = module_.fastYaml;

module_.fastYaml = (text) => {
  const read = fast(text);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  const agrees = read === undefined || (doc.errors.length === 0 && isDeepStrictEqual(read.data, doc.toJS({ maxAliasCount: 100 })));
  if (process.env.CHECK_FAST_YAML_LOG)
    appendFileSync(process.env.CHECK_FAST_YAML_LOG, `${read === undefined ? "slow" : "fast"} ${agrees ? "same" : "DIFFERENT"}\n`);
  if (!agrees) throw new Error(`the fast YAML read and yaml disagree on:\n${text.slice(0, 2000)}`);
  return read;
};
