/**
 * Merging what init needs into a package.json that may already exist (e.g.
 * after `npm install dkimctl`): missing scripts and dependencies are added,
 * existing entries are never changed, and what was added is said.
 */
import { parseDocument } from "yaml";

export interface PackageJsonMerge {
  /** The new text; equal to the old one when nothing was added. */
  readonly text: string;
  /** What was added, for people: e.g. `script synth`, `dependency cdktf-cli 0.21.0`. */
  readonly added: readonly string[];
  /** Entries that differ from what init would write, left as they are: e.g. `cdktf 0.20.0 (dkimctl pins 0.21.0)`. */
  readonly kept: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

type Entries = Readonly<Record<string, string>>;

/** A new package.json for a project named `name` (overrides only when there are some). */
export function newPackageJson(name: string, scripts: Entries, dependencies: Entries, overrides: Entries = {}): string {
  return `${JSON.stringify({ name, private: true, scripts, dependencies, ...(Object.keys(overrides).length ? { overrides } : {}) }, null, 2)}\n`;
}

/**
 * `existing` with `scripts`, `dependencies` and `overrides` added where missing. A
 * dependency counts as present in any of dependencies, devDependencies,
 * optionalDependencies. Throws an Error when `existing` is not a JSON object.
 */
export function mergePackageJson(existing: string, scripts: Entries, dependencies: Entries, overrides: Entries = {}): PackageJsonMerge {
  let pkg: unknown;
  try {
    pkg = JSON.parse(existing);
  } catch (e) {
    throw new Error(`it is not JSON (${(e as Error).message}): fix it, or give --force to replace it`);
  }
  // JSON.parse keeps the last of two equal keys: rewriting the file would drop the first block. JSON is YAML 1.2, whose parser finds them.
  const dupes = parseDocument(existing, { uniqueKeys: true }).errors.filter((e) => e.code === "DUPLICATE_KEY");
  if (dupes.length)
    throw new Error(
      `it has a key twice in one object (${dupes.map((d) => `line ${d.linePos?.[0].line}:${d.linePos?.[0].col}`).join(", ")}): ` +
        "JSON readers keep only the last; merge the two into one, or give --force to replace the file",
    );
  if (!isObject(pkg)) throw new Error("it is not a JSON object: fix it, or give --force to replace it");
  const added: string[] = [];
  const kept: string[] = [];
  const section = (key: string): Json => {
    if (pkg[key] === undefined) pkg[key] = {};
    if (!isObject(pkg[key])) throw new Error(`its '${key}' is not an object: fix it, or give --force to replace it`);
    return pkg[key];
  };

  const own = section("scripts");
  for (const [name, command] of Object.entries(scripts)) {
    if (own[name] === undefined) {
      own[name] = command;
      added.push(`script ${name}`);
    } else if (own[name] !== command) kept.push(`script ${name} ('${String(own[name])}'; init would write '${command}')`);
  }

  const sections = ["dependencies", "devDependencies", "optionalDependencies"].map((k) => (isObject(pkg[k]) ? pkg[k] : {}));
  const missing = Object.entries(dependencies).filter(([name]) => !sections.some((s) => s[name] !== undefined));
  for (const [name, version] of Object.entries(dependencies)) {
    const present = sections.find((s) => s[name] !== undefined)?.[name];
    if (present !== undefined && present !== version && !String(present).startsWith("file:")) kept.push(`${name} ${String(present)} (dkimctl pins ${version})`);
  }
  if (missing.length) {
    const deps = section("dependencies");
    for (const [name, version] of missing) {
      deps[name] = version;
      added.push(`dependency ${name} ${version}`);
    }
  }
  for (const [name, value] of Object.entries(overrides)) {
    const own = section("overrides");
    if (own[name] === undefined) {
      own[name] = value;
      added.push(`override ${name} ${value}`);
    } else if (own[name] !== value) kept.push(`override ${name} (${JSON.stringify(own[name])}; init would write '${value}')`);
  }
  if (added.length === 0) return { text: existing, added, kept };
  const indent = /^[{[]\r?\n([ \t]+)/.exec(existing)?.[1] ?? 2;
  return { text: `${JSON.stringify(pkg, null, indent)}\n`, added, kept };
}
