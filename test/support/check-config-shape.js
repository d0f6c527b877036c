// Runs every domains.yaml the generated shape check (src/config/config-shape.generated.ts)
// answers through zod's schema too, and throws when the two disagree. Loaded into a test
// run so that each of its inputs is checked both ways (docs/development.md, "Performance"):
//   NODE_OPTIONS="--require $PWD/test/support/check-config-shape.js" \
//     npx jest --maxWorkers=1 --setupFilesAfterEnv ./test/support/check-config-shape.js test/config-errors.test.ts ...
// In a node process it wraps dist/'s modules (the bins and the app); in a jest test file,
// the TypeScript sources'. Counts go to $CHECK_CONFIG_SHAPE_LOG when set.

const { appendFileSync } = require("node:fs");
const { join } = require("node:path");

const inJest = typeof jest !== "undefined";
const from = (m) => (inJest ? require(`../../src/config/${m}`) : require(join(__dirname, "..", "..", "dist", "src", "config", `${m}.js`)));
const generated = from("config-shape.generated");
const { configSchema } = from("schema");
const { isPlainData } = from("config-shape");
const check = generated.validate;

generated.validate = (data) => {
  const answer = check(data);
  // What config-shape.ts decides by: the generated check's yes counts for plain data only.
  const taken = answer === true && isPlainData(data);
  const zod = configSchema.safeParse(data).success;
  if (process.env.CHECK_CONFIG_SHAPE_LOG)
    appendFileSync(process.env.CHECK_CONFIG_SHAPE_LOG, `${taken ? "shape" : "no-shape"} ${taken === zod ? "same" : "DIFFERENT"}\n`);
  if (taken !== zod) throw new Error(`the generated shape check says ${taken}, zod ${zod}, of:\n${JSON.stringify(data).slice(0, 2000)}`);
  return answer;
};
