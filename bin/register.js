// For developer tools only (npm run bench / schema, some test helpers): runs
// TypeScript without a build step. ts-node transpiles each file on load and
// skips type checking (`npm run typecheck` does that). dkimctl and the cdktf
// app run the compiled dist/ instead (bin/dkimctl.js, bin/app.js).
require("ts-node").register({
  transpileOnly: true,
  project: require("node:path").join(__dirname, "..", "tsconfig.json"),
  compilerOptions: { noEmit: false, incremental: false },
});

// cdktf records a stack trace for every token it creates (into plain objects,
// not Errors); mapping each of those through the source maps doubled synth
// time at 10,000 domains. Real errors keep their TypeScript positions.
const sourceMapped = Error.prepareStackTrace;
if (sourceMapped) {
  Error.prepareStackTrace = (error, frames) =>
    error instanceof Error ? sourceMapped(error, frames) : `${error}\n${frames.map((f) => `    at ${f}`).join("\n")}`;
}
