// `npm run test:unit`: every test file that starts no external tool (the
// files test/support/external-tools.js lists are left out), for a run in
// well under a minute. `npm test` runs them all, as CI does.
const base = require("./jest.config");
const needsTools = Object.keys(require("./test/support/external-tools.js"));

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testPathIgnorePatterns: ["/node_modules/", ...needsTools.map((f) => `/test/${f.replace(/\./g, "\\.")}$`)],
};
