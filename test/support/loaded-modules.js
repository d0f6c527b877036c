// Preloaded into every node process of a run (NODE_OPTIONS=--require) by
// test/build.test.ts and test/provider-loading.test.ts: when a process exits,
// it writes the files it loaded with require (the keys of require.cache) to
// $LOADED_MODULES_DIR/<pid>.json, and, with $REQUESTED_MODULES_DIR, every
// request for a DNS provider's package it made, found or not, to
// $REQUESTED_MODULES_DIR/<pid>.json.

const Module = require("node:module");
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");

const requested = new Set();
if (process.env.REQUESTED_MODULES_DIR) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (typeof request === "string" && request.startsWith("@cdktf/provider-")) requested.add(request);
    return resolve.call(this, request, ...rest);
  };
}

process.on("exit", () => {
  const dir = process.env.LOADED_MODULES_DIR;
  if (dir) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(Object.keys(require.cache)));
  const requests = process.env.REQUESTED_MODULES_DIR;
  if (requests) writeFileSync(join(requests, `${process.pid}.json`), JSON.stringify([...requested]));
});
