// Preloaded into every node process of a run (NODE_OPTIONS=--require) by
// test/build.test.ts: when a process exits, it writes the files it loaded with
// require (the keys of require.cache) to $LOADED_MODULES_DIR/<pid>.json.

const { writeFileSync } = require("node:fs");
const { join } = require("node:path");

process.on("exit", () => {
  const dir = process.env.LOADED_MODULES_DIR;
  if (dir) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(Object.keys(require.cache)));
});
