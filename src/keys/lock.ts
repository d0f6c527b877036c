/**
 * dkim.lock.yaml: the public half of every generated or imported key,
 * committed and reviewed like a package lock. Never holds private keys.
 */
import { existsSync } from "node:fs";
import { stringify } from "yaml";
import { fingerprint, KEY_ALGORITHMS, type KeyAlgorithm } from "../dkim/keys";
import { InputError, type Problem } from "../config/problems";
import { isMapping, YamlSource } from "../config/yaml-source";
import { writeFileAtomic } from "./atomic";
import { isoSeconds, parseIsoTime } from "../time";
import { type CheckedName, checkHostName } from "../dns/host-name";
import { excerpt } from "../redact";
import { commandHint } from "../command-hint";
import type { Config } from "../config/model";
import { type KeyState, STATES } from "../lifecycle";

export interface LockEntry {
  readonly algorithm: KeyAlgorithm;
  /** Exactly the `p=` value. */
  readonly publicKey: string;
  /** `sha256:<hex>` of the `p=` bytes. */
  readonly fingerprint: string;
  /** ISO 8601, UTC, seconds. */
  readonly created: string;
  /** How the key came to be. @default 'generated' */
  readonly origin?: "generated" | "imported";
  /** Lifecycle of a rotated selector (absent for selectors written in domains.yaml). */
  readonly state?: KeyState;
  readonly activated?: string;
  readonly retired?: string;
  readonly revoked?: string;
  readonly removed?: string;
}

const LIFECYCLE_TIMES = ["activated", "retired", "revoked", "removed"] as const;

const HEADER = "# Written by dkimctl. Commit it: it holds public keys only.\n";
const ENTRY_FIELDS = ["algorithm", "publicKey", "fingerprint", "created", "origin", "state", ...LIFECYCLE_TIMES];
/** A lock time as written, if it is a strict ISO 8601 time; YAML 1.1 (`%YAML 1.1`) reads timestamps as Dates. */
const time = (v: unknown): string | undefined => (v instanceof Date ? isoSeconds(v) : typeof v === "string" && parseIsoTime(v) ? v : undefined);

/** Domains and selectors in the lock are in their published form, as dkimctl writes them. */
function publishedName(
  what: "domain" | "selector",
  key: string,
  checked: CheckedName,
  path: string[],
  at: (path: string[], message: string, where: "key") => void,
): void {
  if (!checked.ok) at(path, `${what} '${excerpt(key)}' ${checked.reason}`, "key");
  else if (checked.value !== key) at(path, `${what} '${excerpt(key)}' is not in its published form ${checked.value}`, "key");
}

export class Lock {
  private readonly keys = new Map<string, Map<string, LockEntry>>();

  get(domain: string, selector: string): LockEntry | undefined {
    return this.keys.get(domain)?.get(selector);
  }

  set(domain: string, selector: string, entry: LockEntry): void {
    if (!this.keys.has(domain)) this.keys.set(domain, new Map());
    this.keys.get(domain)!.set(selector, entry);
  }

  delete(domain: string, selector: string): void {
    this.keys.get(domain)?.delete(selector);
    if (this.keys.get(domain)?.size === 0) this.keys.delete(domain);
  }

  /** The rotated selectors of a domain (those with a lifecycle state), sorted by name. */
  rotated(domain: string): { selector: string; entry: LockEntry & { state: KeyState } }[] {
    return [...(this.keys.get(domain) ?? [])]
      .filter((e): e is [string, LockEntry & { state: KeyState }] => e[1].state !== undefined)
      .map(([selector, entry]) => ({ selector, entry }))
      .sort((a, b) => a.selector.localeCompare(b.selector));
  }

  entries(): { domain: string; selector: string; entry: LockEntry }[] {
    const out: { domain: string; selector: string; entry: LockEntry }[] = [];
    for (const [domain, sels] of this.keys) for (const [selector, entry] of sels) out.push({ domain, selector, entry });
    return out.sort((a, b) => a.domain.localeCompare(b.domain) || a.selector.localeCompare(b.selector));
  }

  /**
   * Reads a lock file; a missing file is an empty lock. Throws InputError for a damaged one.
   * `invocation`: the options the user gave (Config.invocation), repeated in the hints.
   */
  static read(file: string, invocation?: readonly string[]): Lock {
    if (!existsSync(file)) return new Lock();
    return Lock.fromSource(YamlSource.read(file), invocation);
  }

  /** The lock of a loaded config (its lockFile), with hints that repeat the options the config was found with. */
  static of(config: Pick<Config, "lockFile" | "invocation">): Lock {
    return Lock.read(config.lockFile, config.invocation);
  }

  /** Reads a lock from its text (e.g. an earlier revision read from git); `file` names it in messages. */
  static parse(file: string, text: string): Lock {
    return Lock.fromSource(YamlSource.parse(file, text));
  }

  private static fromSource({ source, problems }: { source: YamlSource; problems: Problem[] }, invocation?: readonly string[]): Lock {
    const lock = new Lock();
    if (problems.length) {
      const hint = ` (if this is a merge conflict, take one side and run ${commandHint("keys", invocation)} again)`;
      throw new InputError(problems.map((p) => ({ ...p, message: /^(YAML syntax error|duplicate key)/.test(p.message) ? p.message + hint : p.message })));
    }
    const data = source.toJS();
    // Tags and pasted private keys: one problem per node, in place of any other problem at it.
    const flagged = source.nodeProblems();
    if (data === null && !flagged.length) return lock;
    if (!isMapping(data) || data.version !== 1)
      throw new InputError([source.problem(["version"], "not a dkimctl version 1 lock file: restore it from git"), ...flagged]);
    const flaggedPaths = new Set(flagged.map((p) => p.path));
    const bad: Problem[] = [...flagged];
    const at = (path: string[], message: string, where: "value" | "key" = "value") => {
      const p = source.problem(path, `${message}: the lock was edited by hand; restore it from git`, where);
      if (!flaggedPaths.has(p.path)) bad.push(p);
    };
    const keys = data.keys ?? {};
    if (!isMapping(keys)) at(["keys"], "keys must be a mapping of domains to their selectors");
    for (const [domain, sels] of Object.entries(isMapping(keys) ? keys : {})) {
      publishedName("domain", domain, checkHostName(domain, "publish"), ["keys", domain], at);
      if (sels !== null && !isMapping(sels)) at(["keys", domain], `domain '${excerpt(domain)}' must be a mapping of selectors to their keys`);
      for (const [selector, raw] of Object.entries(isMapping(sels) ? sels : {})) {
        const path = ["keys", domain, selector];
        const before = bad.length;
        publishedName("selector", selector, checkHostName(selector, "selector"), path, at);
        if (raw !== null && !isMapping(raw)) {
          at(path, `selector '${excerpt(selector)}' must be a mapping of algorithm, publicKey, fingerprint and created`);
          continue;
        }
        const e = raw ?? {};
        const extra = Object.keys(e).filter((k) => !ENTRY_FIELDS.includes(k));
        for (const k of extra) at([...path, k], `unknown field '${excerpt(k)}' in the lock`, "key");
        if (!KEY_ALGORITHMS.includes(e.algorithm as KeyAlgorithm)) at([...path, "algorithm"], `algorithm must be one of ${KEY_ALGORITHMS.join(", ")}`);
        if (typeof e.publicKey !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(e.publicKey)) at([...path, "publicKey"], "publicKey must be the base64 p= value");
        else if (e.fingerprint !== fingerprint(e.publicKey)) at([...path, "fingerprint"], "fingerprint does not match publicKey");
        for (const field of ["created", ...LIFECYCLE_TIMES]) {
          if ((field === "created" || e[field] !== undefined) && time(e[field]) === undefined)
            at([...path, field], `${field} must be an ISO 8601 time (e.g. 2026-11-26T04:00:00Z)`);
        }
        if (e.state !== undefined && !STATES.includes(e.state as KeyState)) at([...path, "state"], `state must be one of ${STATES.join(", ")}`);
        if (e.origin !== undefined && e.origin !== "generated" && e.origin !== "imported") at([...path, "origin"], "origin must be generated or imported");
        if (bad.length > before) continue;
        const timeline = lifecycleProblem(e.state as KeyState | undefined, (f) => time(e[f]));
        if (timeline) at([...path, timeline.field], timeline.message);
        if (e.state === "active") {
          const other = Object.entries(sels as Record<string, unknown>).find(
            ([s, o]) => s !== selector && isMapping(o) && o.state === "active" && o.algorithm === e.algorithm,
          );
          if (other && selector > other[0])
            at(
              [...path, "state"],
              `${domain} has two active ${String(e.algorithm)} keys (${other[0]} and ${selector}); a domain signs with one key per algorithm`,
            );
        }
        lock.set(domain, selector, {
          algorithm: e.algorithm as KeyAlgorithm,
          publicKey: e.publicKey as string,
          fingerprint: e.fingerprint as string,
          created: time(e.created)!,
          ...(e.origin === "imported" ? { origin: "imported" as const } : {}),
          ...(e.state !== undefined ? { state: e.state as KeyState } : {}),
          ...Object.fromEntries(LIFECYCLE_TIMES.filter((f) => e[f] !== undefined).map((f) => [f, time(e[f])])),
        });
      }
    }
    if (bad.length) throw new InputError(bad);
    return lock;
  }

  /** The file's text: sorted, so the diff of a change shows only that change. */
  toString(): string {
    const keys: Record<string, Record<string, LockEntry>> = {};
    for (const { domain, selector, entry } of this.entries()) {
      keys[domain] ??= {};
      keys[domain][selector] = {
        algorithm: entry.algorithm,
        publicKey: entry.publicKey,
        fingerprint: entry.fingerprint,
        created: entry.created,
        ...(entry.origin ? { origin: entry.origin } : {}),
        ...(entry.state ? { state: entry.state } : {}),
        ...Object.fromEntries(LIFECYCLE_TIMES.filter((f) => entry[f] !== undefined).map((f) => [f, entry[f]])),
      };
    }
    return HEADER + stringify({ version: 1, keys }, { lineWidth: 0 });
  }

  write(file: string): void {
    writeFileAtomic(file, this.toString());
  }
}

/**
 * What a lifecycle state implies about its times: each state after pending
 * has the time it was entered, and the times run in order.
 */
function lifecycleProblem(state: KeyState | undefined, at: (field: string) => string | undefined): { field: string; message: string } | undefined {
  if (state === undefined) return undefined;
  const order = ["created", ...LIFECYCLE_TIMES.slice(0, STATES.indexOf(state))];
  let previous: { field: string; t: number } | undefined;
  for (const field of order) {
    const v = at(field);
    if (v === undefined) return { field: "state", message: `state ${state} needs a '${field}' time` };
    const t = parseIsoTime(v)?.getTime() ?? NaN;
    if (previous && t < previous.t) return { field, message: `${field} is before ${previous.field}` };
    previous = { field, t };
  }
  return undefined;
}
