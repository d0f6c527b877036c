#!/usr/bin/env node
// The dkimctl CLI, compiled: dist/ (npm run build; npm ci builds it).
require("./build-state").checkBuilt();
require("../dist/src/cli/main")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
