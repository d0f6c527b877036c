// Jest globalSetup: tests that spawn bin/dkimctl.js or the cdktf app run the
// compiled dist/, so build it first when it is stale (when fresh, this costs
// a few stats). A failed build (a type error) does not stop the tests that
// need no build: those that do fail, each saying "run 'npm run build'".
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const BIN = join(__dirname, "..", "..", "bin");

export default function buildIfStale(): void {
  const { staleReason } = require(join(BIN, "build-state.js")) as { staleReason(): string | undefined };
  const reason = staleReason();
  if (!reason) return;
  process.stderr.write(`\njest globalSetup: ${reason}; building now\n`);
  const r = spawnSync(process.execPath, [join(BIN, "build.js"), "--if-stale"], { stdio: "inherit" });
  if (r.status !== 0) process.stderr.write(`jest globalSetup: the build failed (${r.error?.message ?? `exit ${r.status}`}): tests that run dist/ will fail\n`);
}
