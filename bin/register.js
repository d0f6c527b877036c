// Runs the TypeScript sources without a build step: ts-node transpiles each
// file on load and skips type checking (`npm run typecheck` does that).
require("ts-node").register({
  transpileOnly: true,
  project: require("node:path").join(__dirname, "..", "tsconfig.json"),
  compilerOptions: { noEmit: false, incremental: false },
});
