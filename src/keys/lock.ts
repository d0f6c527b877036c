/**
 * dkim.lock.yaml: the public half of every generated or imported key,
 * committed and reviewed like a package lock. Never holds private keys.
 */
import { existsSync } from "node:fs";
import { stringify } from "yaml";
import { fingerprint, KEY_ALGORITHMS, KeyAlgorithm } from "../dkim/keys";
import { InputError, Problem } from "../config/problems";
import { YamlSource } from "../config/yaml-source";
import { writeFileAtomic } from "./atomic";
import { isoSeconds } from "../time";
import { KeyState, STATES } from "../rotation/machine";

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
const time = (v: unknown): string | undefined => (v instanceof Date ? isoSeconds(v) : typeof v === "string" ? v : undefined);

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

  entries(): { domain: string; selector: string; entry: LockEntry }[] {
    const out: { domain: string; selector: string; entry: LockEntry }[] = [];
    for (const [domain, sels] of this.keys) for (const [selector, entry] of sels) out.push({ domain, selector, entry });
    return out.sort((a, b) => a.domain.localeCompare(b.domain) || a.selector.localeCompare(b.selector));
  }

  /** Reads a lock file; a missing file is an empty lock. Throws InputError for a damaged one. */
  static read(file: string): Lock {
    const lock = new Lock();
    if (!existsSync(file)) return lock;
    const { source, problems } = YamlSource.read(file);
    if (problems.length) {
      throw new InputError(problems.map((p) => ({ ...p, message: `${p.message} (if this is a merge conflict, take one side and run 'dkimctl keys' again)` })));
    }
    const data = source.toJS() as Record<string, unknown> | null;
    if (data === null) return lock;
    const bad: Problem[] = [];
    if (typeof data !== "object" || data.version !== 1) {
      throw new InputError([source.problem(["version"], "not a dkimctl version 1 lock file: restore it from git")]);
    }
    const keys = (data.keys ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    for (const [domain, sels] of Object.entries(keys)) {
      for (const [selector, raw] of Object.entries(sels ?? {})) {
        const path = ["keys", domain, selector];
        const e = raw ?? {};
        const extra = Object.keys(e).filter((k) => !ENTRY_FIELDS.includes(k));
        for (const k of extra) bad.push(source.problem([...path, k], `unknown field '${k}' in the lock: restore the file from git`, "key"));
        if (!KEY_ALGORITHMS.includes(e.algorithm as KeyAlgorithm)) bad.push(source.problem([...path, "algorithm"], `algorithm must be one of ${KEY_ALGORITHMS.join(", ")}`));
        if (typeof e.publicKey !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(e.publicKey)) bad.push(source.problem([...path, "publicKey"], "publicKey must be the base64 p= value"));
        else if (e.fingerprint !== fingerprint(e.publicKey))
          bad.push(source.problem([...path, "fingerprint"], "fingerprint does not match publicKey: the lock was edited by hand; restore it from git"));
        const created = time(e.created);
        for (const field of ["created", ...LIFECYCLE_TIMES]) {
          const v = time(e[field]);
          if ((field === "created" || e[field] !== undefined) && (v === undefined || Number.isNaN(Date.parse(v)))) bad.push(source.problem([...path, field], `${field} must be an ISO 8601 time`));
        }
        if (e.state !== undefined && !STATES.includes(e.state as KeyState)) bad.push(source.problem([...path, "state"], `state must be one of ${STATES.join(", ")}`));
        if (e.origin !== undefined && e.origin !== "generated" && e.origin !== "imported") bad.push(source.problem([...path, "origin"], "origin must be generated or imported"));
        if (bad.length) continue;
        const timeline = lifecycleProblem(e.state as KeyState | undefined, (f) => time(e[f]));
        if (timeline) bad.push(source.problem([...path, timeline.field], `${timeline.message}: the lock was edited by hand; restore it from git`));
        if (e.state === "active") {
          const other = Object.entries(sels ?? {}).find(([s, o]) => s !== selector && o?.state === "active" && o?.algorithm === e.algorithm);
          if (other && selector > other[0]) bad.push(source.problem([...path, "state"], `${domain} has two active ${String(e.algorithm)} keys (${other[0]} and ${selector}); a domain signs with one key per algorithm: restore the lock from git`));
        }
        lock.set(domain, selector, {
          algorithm: e.algorithm as KeyAlgorithm,
          publicKey: e.publicKey as string,
          fingerprint: e.fingerprint as string,
          created: created as string,
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
    const t = Date.parse(v);
    if (previous && t < previous.t) return { field, message: `${field} is before ${previous.field}` };
    previous = { field, t };
  }
  return undefined;
}
