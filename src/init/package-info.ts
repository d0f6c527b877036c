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

/**
 * The version of dkimctl and the versions it pins: its peers (cdktf and
 * constructs; the DNS providers' packages are its optional peers, a project
 * installs those it uses: ranges from the version it is tested with) and
 * cdktf-cli at the exact versions of its own devDependencies.
 */
export function packageInfo(root = packageRoot()): PackageInfo {
  const file = join(root, "package.json");
  const pkg = JSON.parse(readFileSync(file, "utf8"));
  const pinned = (name: string): string => {
    const version = pkg.devDependencies?.[name];
    if (typeof version !== "string") throw new Error(`${file} does not pin ${name} in devDependencies: reinstall dkimctl`);
    return version;
  };
  const optional = (name: string) => pkg.peerDependenciesMeta?.[name]?.optional === true;
  const peers = Object.keys(pkg.peerDependencies ?? {});
  const pins = (names: string[]) => Object.fromEntries(names.map((name) => [name, pinned(name)]));
  return {
    name: pkg.name,
    version: pkg.version,
    peers: pins(peers.filter((p) => !optional(p))),
    providerPackages: pins(peers.filter(optional)),
    cdktfCli: pinned("cdktf-cli"),
  };
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
