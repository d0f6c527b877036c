// Runs every file the fast YAML read takes (src/config/fast-yaml.ts), and
// every lock the lock reader takes (src/keys/lock-text.ts), through the
// position-keeping parse too, and throws when the two disagree: the fast
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
/** The module of `src/<path>` (a TypeScript source in jest, dist/'s compiled one elsewhere). */
const load = (path) => (inJest ? require(`../../src/${path}`) : require(join(__dirname, "..", "..", "dist", "src", `${path}.js`)));

/** Wraps `module_[name]`, a reader of text to `{ data }` or undefined, to check each text it takes against `yaml`. */
function check(module_, name, label) {
  const read = module_[name];
  module_[name] = (text) => {
    const result = read(text);
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
    const agrees = result === undefined || (doc.errors.length === 0 && isDeepStrictEqual(result.data, doc.toJS({ maxAliasCount: 100 })));
    if (process.env.CHECK_FAST_YAML_LOG)
      appendFileSync(process.env.CHECK_FAST_YAML_LOG, `${label} ${result === undefined ? "slow" : "fast"} ${agrees ? "same" : "DIFFERENT"}\n`);
    if (!agrees) throw new Error(`the ${label} read and yaml disagree on:\n${text.slice(0, 2000)}`);
    return result;
  };
}

check(load("config/fast-yaml"), "fastYaml", "fast-yaml");
check(load("keys/lock-text"), "readLockText", "lock-text");
