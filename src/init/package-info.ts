/**
 * This package as installed (or as this repository): its root, its pins,
 * and the GitHub workflows it ships, which init copies into a project.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
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
 * dkimctl as installed, for a project in `projectDir`, and the versions it
 * pins: its peers (cdktf and constructs; the DNS providers' packages are its
 * optional peers, a project installs those it uses: ranges from the version
 * it is tested with) and cdktf-cli at the exact versions of its own devDependencies.
 */
export function packageInfo(root = packageRoot(), projectDir = "."): PackageInfo {
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
  const installed = installedSpec(root, pkg.name, pkg.version, projectDir);
  return {
    name: pkg.name,
    version: pkg.version,
    spec: installed.spec,
    specNote: installed.note,
    peers: pins(peers.filter((p) => !optional(p))),
    providerPackages: pins(peers.filter(optional)),
    cdktfCli: pinned("cdktf-cli"),
  };
}

/**
 * How the package at `root` was installed, as a dependency spec for a
 * project in `projectDir`, so that the project's `npm install` gets the same:
 * - under node_modules: the spec of the project that installed it (its
 *   package.json, or the lock npm keeps in node_modules; npx's cache has
 *   both), a file: path made relative to `projectDir`;
 * - elsewhere (a checkout, or a folder npm linked): a file: path to it;
 * - else its version, from the registry, with a note saying so.
 */
export function installedSpec(root: string, name: string, version: string, projectDir: string): { spec: string; note?: string } {
  const target = resolve(projectDir);
  const fileSpec = (path: string) => {
    const rel = relative(target, path);
    return `file:${rel === "" ? "." : isAbsolute(rel) ? path : rel}`;
  };
  if (basename(dirname(root)) !== "node_modules") return { spec: fileSpec(root) };
  const installer = dirname(dirname(root));
  const given = declaredSpec(installer, name) ?? lockedSpec(installer, name);
  if (given === undefined)
    return {
      spec: version,
      note:
        `package.json asks for ${name} ${version} from the npm registry (init could not tell how ${name} was installed here): ` +
        `installed from a tarball, a git URL or a folder, give the same source there before 'npm install'`,
    };
  return { spec: given.startsWith("file:") ? fileSpec(resolve(installer, given.slice("file:".length))) : given };
}

/** The spec `dir`'s package.json gives `name`, if any. */
function declaredSpec(dir: string, name: string): string | undefined {
  const pkg = readJson(join(dir, "package.json"));
  for (const section of ["dependencies", "devDependencies", "optionalDependencies"]) {
    const spec = pkg?.[section]?.[name];
    if (typeof spec === "string") return spec;
  }
  return undefined;
}

/** Where npm's lock in `dir`/node_modules says `name` came from (a file: or git URL; not a registry tarball's URL). */
function lockedSpec(dir: string, name: string): string | undefined {
  const resolved = readJson(join(dir, "node_modules", ".package-lock.json"))?.packages?.[`node_modules/${name}`]?.resolved;
  return typeof resolved === "string" && /^(file:|git\+)/.test(resolved) ? resolved : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: package.json and npm's lock are read loosely, field by field.
function readJson(file: string): any {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
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
