/**
 * `dkimctl stacks`: the stacks (one per zone, and a key zone's customer
 * stacks) whose records differ from an earlier git revision of domains.yaml +
 * dkim.lock.yaml, so that CI plans and applies only those. Without
 * --changed-from: every stack.
 */
import { spawnSync } from "node:child_process";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { type ListFile, readListFile } from "../../config/customer-list";
import { parseConfig } from "../../config/load";
import type { Config } from "../../config/model";
import { formatProblem, InputError, ProblemsError } from "../../config/problems";
import { Lock } from "../../keys/lock";
import { excerpt } from "../../redact";
import { allStacks, changedStacks, type ListedStack, type MovedRecord, movedRecords, type StackContents, stackContents } from "../../stacks";
import { oneOf } from "../args";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import type { Io } from "../io";
import { UsageError } from "../report";

const FORMATS = ["lines", "json"] as const;
type StacksFormat = (typeof FORMATS)[number];

const USAGE = ["  dkimctl stacks [--config FILE] [--changed-from GIT_REF] [--format lines|json]"];
const OPTIONS = withCommon(
  {
    "changed-from": {
      type: "string",
      arg: "GIT_REF",
      help: "list only the stacks whose records, provider, zoneId, zone options or backend differ between GIT_REF's config and lock and the working tree",
    },
    format: {
      type: "string",
      short: "f",
      arg: "FORMAT",
      help: 'lines (default): one stack name per line; json: [{"stack", "zone", "change", "reason", "before", "after"}]',
    },
  },
  { readsKeys: false },
);

export const stacks: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    `Prints the stacks (one per zone, and a key zone's customer stacks, named as
cdktf.out/stacks/<name>) to plan or apply.
With --changed-from, only those whose records, provider, zoneId, zone options or backend differ
between GIT_REF's domains.yaml + dkim.lock.yaml (read with git, beside the config)
and the working tree: new zones, zones that lost records, and removed zones included.
A change that changes no record (a comment, the order, a key store setting) lists none.
When the config did not exist at GIT_REF, every stack is new; when it was not valid
there, every stack is listed with a warning.

In --format json, "change" is added, changed, removed or all, and before/after count
the zone's records (null where it is absent).
A removed zone's stack is no longer synthesized: Terraform neither plans nor deletes
its records; empty the zone (deploy), then remove it. A changed 'stacks' of a key zone,
which would move records from one of its stacks to another, is refused (exit 1).
An unknown GIT_REF is a usage error (exit 2); in a shallow clone fetch it first.`,
    OPTIONS,
  ),
  run(args, io) {
    const { values } = parse(args, OPTIONS);
    const format = oneOf<StacksFormat>("format", values.format, FORMATS, "lines");
    const ref = values["changed-from"];
    // git would read a revision that starts with '-' as an option.
    if (ref !== undefined && (ref === "" || ref.startsWith("-"))) throw new UsageError(`--changed-from must name a git revision, not '${excerpt(ref)}'`);
    const { config, lock } = load(io, values);
    const head = stackContents(config, lock);
    const listed = ref === undefined ? allStacks(head, "every stack (no --changed-from)") : changedSince(io, config, ref, head);
    io.out(format === "json" ? `${JSON.stringify(listed, null, 2)}\n` : listed.map((s) => `${s.stack}\n`).join(""));
    return 0;
  },
};

/** The stacks that differ between `ref`'s config + lock and the working tree's. */
function changedSince(io: Io, config: Config, ref: string, head: Map<string, StackContents>): ListedStack[] {
  const repo = new GitRevision(dirname(resolve(config.file)), ref);
  const configLabel = repo.label(basename(config.file));
  const lockLabel = repo.label(basename(config.lockFile));
  try {
    const configText = repo.read(basename(config.file));
    if (configText === undefined) return changedStacks(new Map(), head);
    const lockText = repo.read(basename(config.lockFile));
    // Customer list files are read at the revision too (an absolute path outside the repository: from disk).
    const readList = (list: string): ListFile => {
      if (isAbsolute(list)) return readListFile(list);
      const text = repo.read(list);
      return text === undefined
        ? { file: repo.label(list), unreadable: `no such file at ${excerpt(ref)}; commit it, or compare with a later revision` }
        : { file: repo.label(list), text };
    };
    const baseConfig: Config = { ...parseConfig(configLabel, configText, { readList }), lockFile: lockLabel };
    const baseLock = lockText === undefined ? new Lock() : Lock.parse(lockLabel, lockText);
    const base = stackContents(baseConfig, baseLock);
    refuseMoves(movedRecords(base, head), ref);
    return changedStacks(base, head);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const n = e.problems.length;
    const shown = e.problems.slice(0, 3).map((p) => `  ${formatProblem(p)}\n`);
    if (n > 3) shown.push(`  …and ${n - 3} more\n`);
    io.err(`warning: the config at ${excerpt(ref)} is not valid (${n} problem${n === 1 ? "" : "s"}), so nothing can be compared: listing every stack\n`);
    io.err(shown.join(""));
    return allStacks(head, `the config at ${excerpt(ref)} is not valid: not compared`);
  }
}

/**
 * A record that stays in its zone but changes stacks would be deleted by one
 * stack's apply and created by another's, in an order nothing decides: the
 * key would be missing in between, or the create refused as a record that
 * exists. Only a changed `stacks` of a key zone moves records.
 */
function refuseMoves(moved: readonly MovedRecord[], ref: string): void {
  if (moved.length === 0) return;
  const zones = [...new Set(moved.map((m) => m.zone))];
  throw new ProblemsError(
    zones.map((zone) => {
      const mine = moved.filter((m) => m.zone === zone);
      const examples = mine.slice(0, 3).map((m) => `${m.name} (${m.from} -> ${m.to})`);
      return (
        `${mine.length.toLocaleString("en-US")} records of ${zone} would move to another of its stacks since ${excerpt(ref)}, ` +
        `e.g. ${examples.join(", ")}: a key zone's 'stacks' is fixed for its life (a move deletes a record in one stack and creates it in another, ` +
        "in no order Terraform can keep); set 'stacks' back, and put new customers in a second key zone instead"
      );
    }),
  );
}

/** Files of one git revision, by their path relative to a directory of the work tree. */
class GitRevision {
  private readonly commit: string;
  /** The directory's path from the top of the repository, e.g. `infra/` (empty at the top). */
  private readonly prefix: string;

  constructor(
    private readonly dir: string,
    private readonly ref: string,
  ) {
    const prefix = this.git(["rev-parse", "--show-prefix"]);
    if (!prefix.ok) throw new UsageError(`--changed-from needs the config in a git repository, but ${dir} is not in one`);
    this.prefix = prefix.out.toString("utf8").trim();
    const commit = this.git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!commit.ok) {
      const hint = "in a shallow clone, fetch it first (e.g. git fetch --depth=1 origin main)";
      throw new UsageError(`--changed-from: '${excerpt(ref)}' is not a commit of the repository at ${dir}; ${hint}`);
    }
    this.commit = commit.out.toString("utf8").trim();
  }

  /** How messages name a file of the revision: `REF:path`. */
  label(name: string): string {
    return `${excerpt(this.ref)}:${this.prefix}${name}`;
  }

  /** The file's text at the revision; undefined when it did not exist there. Throws InputError when it is not UTF-8. */
  read(name: string): string | undefined {
    const spec = `${this.commit}:${this.prefix}${name}`;
    if (!this.git(["cat-file", "-e", spec]).ok) return undefined;
    const blob = this.git(["cat-file", "blob", spec]);
    if (!blob.ok) throw new Error(`git could not read ${this.label(name)}: ${blob.err.trim().slice(0, 200)}`);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(blob.out);
    } catch {
      throw new InputError([{ file: this.label(name), line: 1, col: 1, path: "", message: "it holds bytes that are not UTF-8" }]);
    }
  }

  private git(args: string[]): { ok: boolean; out: Buffer; err: string } {
    const r = spawnSync("git", ["-C", this.dir, ...args], { encoding: "buffer", maxBuffer: 1 << 30 });
    if (r.error)
      throw new Error(`cannot run git (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): --changed-from reads the earlier revision with git`);
    return { ok: r.status === 0, out: r.stdout, err: r.stderr.toString("utf8") };
  }
}
