#!/usr/bin/env node
require("./register");
require("../src/cli/main")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
