/**
 * The split of the suite: `npm run test:unit` leaves out exactly the files
 * test/support/external-tools.js lists, and the guard stops any other file
 * from starting an external tool (before the tool runs).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/project";

const LISTED: Record<string, string> = require("./support/external-tools.js");
const unitConfig: { testPathIgnorePatterns: string[] } = require("../jest.unit.config.js");

test("a file not listed cannot start an external tool, by any child_process call; Node.js and git it can", () => {
  const refused =
    /^test\/tool-guard\.test\.ts starts 'terraform', an external tool, but test\/support\/external-tools\.js does not list it: add "tool-guard\.test\.ts"/;
  expect(() => spawnSync("terraform", ["version"])).toThrow(refused);
  expect(() => execFileSync("/usr/bin/terraform", ["version"])).toThrow(refused);
  expect(() => spawn("terraform", ["version"])).toThrow(refused);
  expect(spawnSync(process.execPath, ["-e", "0"]).status).toBe(0);
  expect(spawnSync("git", ["--version"], { encoding: "utf8" }).stdout).toMatch(/^git version/);
});

test("test:unit leaves out every listed file and only those; each listed file exists", () => {
  const ignored = (file: string) => unitConfig.testPathIgnorePatterns.some((p) => new RegExp(p).test(join(ROOT, "test", file)));
  for (const file of Object.keys(LISTED))
    expect({ file, exists: existsSync(join(ROOT, "test", file)), ignored: ignored(file) }).toEqual({ file, exists: true, ignored: true });
  expect(["cli.test.ts", "first-hour.test.ts", "tool-guard.test.ts"].filter(ignored)).toEqual([]);
});
