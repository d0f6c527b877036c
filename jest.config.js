/** @type {import('jest').Config} */
module.exports = {
  // jest-environment-node, whose workers exit as soon as the run ends (see the file).
  testEnvironment: "<rootDir>/test/support/node-environment.js",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking is done once by `tsc --noEmit` in `npm test`; jest only transpiles.
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
    // age-encryption and its noble/scure dependencies, and github-slugger, are ES modules only: jest (CommonJS) needs them transpiled.
    "^.+\\.js$": ["ts-jest", { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!(age-encryption|@noble|@scure|github-slugger)/)"],
  testTimeout: 120000,
  maxWorkers: 2,
  // Tests that spawn bin/dkimctl.js or the cdktf app run dist/: build it first when stale.
  globalSetup: "<rootDir>/test/support/build.ts",
  // cleanup: temp projects hold private keys; tool-guard: only the files test/support/external-tools.js lists start external tools.
  setupFilesAfterEnv: ["<rootDir>/test/support/cleanup.ts", "<rootDir>/test/support/tool-guard.ts"],
};
