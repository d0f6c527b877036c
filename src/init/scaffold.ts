/**
 * `dkimctl init`: which files a new project gets and what happens to each
 * (planned first, so that a refusal writes nothing), then writing them.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { InitOptions } from "./options";
import { mergePackageJson, newPackageJson } from "./package-json";
import { cliScripts } from "./cli-choice";
import {
  CUSTOMER_LIST,
  CUSTOMER_LIST_TEXT,
  cdktfJson,
  domainsYaml,
  GITIGNORE_LINES,
  type PackageInfo,
  projectDependencies,
  projectOverrides,
  workflowFor,
} from "./templates";

/** create: new; overwrite: exists with other content (only with --force); merge: entries added; unchanged: nothing to do. */
export type FileAction = "create" | "overwrite" | "merge" | "unchanged";

export interface PlannedFile {
  /** Relative to the project directory, with '/'. */
  readonly path: string;
  readonly text: string;
  readonly action: FileAction;
  /** merge: what is added. */
  readonly added: readonly string[];
  /** merge: entries that differ from what init would write, left as they are. */
  readonly kept: readonly string[];
}

export interface InitPlan {
  /** The project directory (absolute). */
  readonly dir: string;
  readonly files: readonly PlannedFile[];
  /** Files that exist with other content and are not merged: init refuses unless forced. */
  readonly conflicts: readonly string[];
  /** Why a file is not written (e.g. the rotate workflow with the local store), for people. */
  readonly notes: readonly string[];
}

export interface InitInputs {
  readonly options: InitOptions;
  readonly package: PackageInfo;
  /** The workflows dkimctl ships, by file name (.github/workflows/<name>). */
  readonly workflows: ReadonlyMap<string, string>;
  readonly now: Date;
  readonly force: boolean;
}

/** The workflow that needs a team key store: a hosted runner keeps no local store. */
const ROTATE_WORKFLOW = "dkimctl-rotate.yml";

/** The workflow of signing-provider mode (--key-zone): the hourly delegation check. */
const CUSTOMERS_WORKFLOW = "dkimctl-customers.yml";

/** What init would do in `dir`. Reads the files that are there; writes nothing. Throws an Error for a package.json it cannot merge. */
export function planInit(dir: string, inputs: InitInputs): InitPlan {
  const root = resolve(dir);
  // init never writes through a link (the file it names may be anywhere): refused before anything is written.
  const read = (rel: string) => {
    const at = (() => {
      try {
        return lstatSync(join(root, rel));
      } catch {
        return undefined;
      }
    })();
    if (at?.isSymbolicLink())
      throw new Error(`${rel} is a symbolic link: init never writes through a link; replace it with the file itself, or run init elsewhere`);
    return at ? readFileSync(join(root, rel), "utf8") : undefined;
  };
  const files: PlannedFile[] = [];
  const notes: string[] = [];
  const whole = (path: string, text: string) => {
    const old = read(path);
    const action: FileAction = old === undefined ? "create" : old === text ? "unchanged" : "overwrite";
    files.push({ path, text, action, added: [], kept: [] });
  };

  whole("domains.yaml", domainsYaml(inputs.options, inputs.now));
  whole("cdktf.json", cdktfJson());
  files.push(packageJson(read("package.json"), basename(root), inputs));
  files.push(gitignore(read(".gitignore")));
  const header = `# Written by dkimctl init (dkimctl ${inputs.package.version}). Commands run the installed package: npx dkimctl.\n`;
  if (inputs.options.keyZone) whole(CUSTOMER_LIST, CUSTOMER_LIST_TEXT);
  for (const [name, text] of inputs.workflows) {
    if (name === CUSTOMERS_WORKFLOW && !inputs.options.keyZone) continue;
    if (name === ROTATE_WORKFLOW && inputs.options.keyStore === "local") {
      notes.push(
        `.github/workflows/${name} is not written: a hosted runner keeps no local key store ` +
          "(run 'dkimctl rotate' where the keys are, or choose --key-store age or awsSecretsManager; 'npx dkimctl help rotation')",
      );
      continue;
    }
    whole(`.github/workflows/${name}`, header + workflowFor(text, inputs.options.provider));
  }
  const repository = gitRoot(root);
  if (repository !== undefined && repository !== root)
    notes.push(
      `GitHub runs only the workflows at the repository's root (${repository}): move .github/workflows/ there, ` +
        "and give each job 'defaults: { run: { working-directory: ... } }' and paths of this directory",
    );
  const conflicts = files.filter((f) => f.action === "overwrite").map((f) => f.path);
  return { dir: root, files, conflicts, notes };
}

function packageJson(old: string | undefined, dirName: string, inputs: InitInputs): PlannedFile {
  const { cli, provider } = inputs.options;
  const [scripts, dependencies, overrides] = [cliScripts(cli), projectDependencies(inputs.package, provider, cli), projectOverrides(cli)];
  const fresh = newPackageJson(projectName(dirName), scripts, dependencies, overrides);
  if (old === undefined) return { path: "package.json", text: fresh, action: "create", added: [], kept: [] };
  try {
    const merged = mergePackageJson(old, scripts, dependencies, overrides);
    return { path: "package.json", text: merged.text, action: merged.added.length ? "merge" : "unchanged", added: merged.added, kept: merged.kept };
  } catch (e) {
    if (!inputs.force) throw new Error(`package.json cannot be merged: ${(e as Error).message}`);
    return { path: "package.json", text: fresh, action: "overwrite", added: [], kept: [] };
  }
}

/** The lines .gitignore lacks are appended (comments only with the lines they explain). */
function gitignore(old: string | undefined): PlannedFile {
  if (old === undefined) return { path: ".gitignore", text: `${GITIGNORE_LINES.join("\n")}\n`, action: "create", added: [], kept: [] };
  const present = new Set(old.split(/\r?\n/).map((l) => l.trim()));
  // A comment goes with the line it explains.
  const missing = GITIGNORE_LINES.filter((l, i) => !present.has(l.startsWith("#") ? GITIGNORE_LINES[i + 1] : l));
  const added = missing.filter((l) => !l.startsWith("#"));
  if (added.length === 0) return { path: ".gitignore", text: old, action: "unchanged", added: [], kept: [] };
  const text = `${old}${old.endsWith("\n") || old === "" ? "" : "\n"}# dkimctl\n${missing.join("\n")}\n`;
  return { path: ".gitignore", text, action: "merge", added: added.map((l) => `'${l}'`), kept: [] };
}

/** The work tree of the git repository `dir` is in (the nearest directory above it with a .git), if any. */
function gitRoot(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** An npm package name from a directory name: lower case, URL-safe. */
function projectName(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|-+$/g, "");
  return name || "dkim";
}

/** Writes every file that is new, merged or (forced) overwritten. */
export function writeInit(plan: InitPlan): void {
  for (const f of plan.files) {
    if (f.action === "unchanged") continue;
    const file = join(plan.dir, f.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, f.text);
  }
}
