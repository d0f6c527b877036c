/**
 * This package as installed (or as this repository): its root, its pins,
 * and the GitHub workflows it ships, which init copies into a project.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PackageInfo } from "./templates";

/** The directory of dkimctl's package.json, found upward from this file (src/init/ or dist/src/init/). */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file) && JSON.parse(readFileSync(file, "utf8")).name === "dkimctl") return dir;
    if (dirname(dir) === dir) throw new Error(`dkimctl's package.json was not found above ${from}: reinstall dkimctl`);
  }
}

/** The version of dkimctl and the versions it pins. */
export function packageInfo(root = packageRoot()): PackageInfo {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const cdktfCli = pkg.devDependencies?.["cdktf-cli"];
  if (!pkg.peerDependencies || !cdktfCli) throw new Error(`${join(root, "package.json")} lacks peerDependencies or cdktf-cli: reinstall dkimctl`);
  return { name: pkg.name, version: pkg.version, peers: pkg.peerDependencies, cdktfCli };
}

/** The workflows dkimctl ships (.github/workflows/*.yml), by file name. */
export function packagedWorkflows(root = packageRoot()): Map<string, string> {
  const dir = join(root, ".github", "workflows");
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith(".yml"))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  );
}
