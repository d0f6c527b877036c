/**
 * dkim.lock.yaml: the public half of every generated or imported key,
 * committed and reviewed like a package lock. Never holds private keys.
 */
import { existsSync } from "node:fs";
import { fingerprint, KEY_ALGORITHMS, type KeyAlgorithm } from "../dkim/keys";
import { InputError, type Problem } from "../config/problems";
import { isMapping, YamlSource } from "../config/yaml-source";
import { fastYaml } from "../config/fast-yaml";
import { readLockText } from "./lock-text";
import { writeFileAtomic } from "./atomic";
import { isoSeconds, parseIsoTime } from "../time";
import { type CheckedName, checkHostName } from "../dns/host-name";
import { excerpt } from "../redact";
import { commandHint } from "../command-hint";
import type { Config } from "../config/model";
import { holdsSlot, type KeyState, STATES } from "../lifecycle";

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

/**
 * The key of a customer's slot (signing-provider mode). A slot's name stays
 * while its key changes: each key it gets has the next generation, and the
 * key store keeps it as `<customer>/<slot>.<generation>` (slotKeyName), so a
 * stored key is never replaced.
 */
export interface SlotKey extends LockEntry {
  /** 1 for the slot's first key. */
  readonly generation: number;
  /** The longest TTL (seconds) its record has been published with, as `rotate` saw it (src/rotation/slots.ts). */
  readonly ttl?: number;
  /** The `ttl` of the key it replaced at its slot: it signs no sooner than this long after it is published. */
  readonly replacedTtl?: number;
}

/** The name a key store keeps a slot's key under (the "selector" of the store's `<domain>/<selector>`): `esp1.1`. */
export function slotKeyName(slot: string, generation: number): string {
  return `${slot}.${generation}`;
}

/** A key as the key store holds it: `domain` and `name` address it in the store. */
export interface StoreKey {
  readonly domain: string;
  readonly name: string;
  readonly entry: LockEntry;
}

/** A lock in the form dkimctl writes is read without YAML; any other text the YAML way. */
const lockRead = (text: string) => readLockText(text) ?? fastYaml(text);

const LIFECYCLE_TIMES = ["activated", "retired", "revoked", "removed"] as const;

const TIME_FIELDS = ["created", ...LIFECYCLE_TIMES] as const;
const HEADER = "# Written by dkimctl. Commit it: it holds public keys only.\n";
const ENTRY_FIELDS = ["algorithm", "publicKey", "fingerprint", "created", "origin", "state", ...LIFECYCLE_TIMES];
const SLOT_TTLS = ["ttl", "replacedTtl"] as const;
const SLOT_FIELDS = [...ENTRY_FIELDS, "generation", ...SLOT_TTLS];
/** A lock time as written, if it is a strict ISO 8601 time; YAML 1.1 (`%YAML 1.1`) reads timestamps as Dates. */
const time = (v: unknown): string | undefined => (v instanceof Date ? isoSeconds(v) : typeof v === "string" && isIsoTime(v) ? v : undefined);

/** Times already read: the keys one `dkimctl keys` makes share their `created` second, so a lock holds few distinct times. */
const ISO_TIMES = new Map<string, boolean>();
function isIsoTime(text: string): boolean {
  let ok = ISO_TIMES.get(text);
  if (ok === undefined) {
    if (ISO_TIMES.size >= 10_000) ISO_TIMES.clear();
    ok = parseIsoTime(text) !== undefined;
    ISO_TIMES.set(text, ok);
  }
  return ok;
}

/** Domains and selectors in the lock are in their published form, as dkimctl writes them. */
function publishedName(
  what: "domain" | "selector" | "customer" | "slot",
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
  private readonly slots = new Map<string, Map<string, SlotKey>>();

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

  /** The key of a customer's slot. */
  slotKey(customer: string, slot: string): SlotKey | undefined {
    return this.slots.get(customer)?.get(slot);
  }

  setSlotKey(customer: string, slot: string, entry: SlotKey): void {
    if (!this.slots.has(customer)) this.slots.set(customer, new Map());
    this.slots.get(customer)!.set(slot, entry);
  }

  /** Forgets a slot's key (a slot the customer no longer has, once its key left DNS). */
  removeSlotKey(customer: string, slot: string): void {
    const slots = this.slots.get(customer);
    slots?.delete(slot);
    if (slots?.size === 0) this.slots.delete(customer);
  }

  /** Every customer slot's key, sorted by customer then slot. */
  slotKeys(): { customer: string; slot: string; entry: SlotKey }[] {
    const out: { customer: string; slot: string; entry: SlotKey }[] = [];
    for (const [customer, slots] of this.slots) for (const [slot, entry] of slots) out.push({ customer, slot, entry });
    return out.sort((a, b) => byName(a.customer, b.customer) || byName(a.slot, b.slot));
  }

  /**
   * The lock's key that the key store keeps at `domain`/`name`: a selector's,
   * or a customer slot's (`<slot>.<generation>`, the slot's current key).
   */
  storeKey(domain: string, name: string): LockEntry | undefined {
    const selector = this.get(domain, name);
    if (selector) return selector;
    const dot = name.indexOf(".");
    const slot = dot < 0 ? undefined : this.slotKey(domain, name.slice(0, dot));
    return slot && slotKeyName(name.slice(0, dot), slot.generation) === name ? slot : undefined;
  }

  /** Every key the key store must hold for this lock, by its address there: the selectors' and the customer slots'. */
  storeKeys(): StoreKey[] {
    return [
      ...this.entries().map(({ domain, selector, entry }) => ({ domain, name: selector, entry })),
      ...this.slotKeys().map(({ customer, slot, entry }) => ({ domain: customer, name: slotKeyName(slot, entry.generation), entry })),
    ];
  }

  /**
   * Reads a lock file; a missing file is an empty lock. Throws InputError for a damaged one.
   * `invocation`: the options the user gave (Config.invocation), repeated in the hints.
   */
  static read(file: string, invocation?: readonly string[]): Lock {
    if (!existsSync(file)) return new Lock();
    return Lock.fromSource(YamlSource.read(file, lockRead), invocation);
  }

  /** The lock of a loaded config (its lockFile), with hints that repeat the options the config was found with. */
  static of(config: Pick<Config, "lockFile" | "invocation">): Lock {
    return Lock.read(config.lockFile, config.invocation);
  }

  /** Reads a lock from its text (e.g. an earlier revision read from git); `file` names it in messages. */
  static parse(file: string, text: string): Lock {
    return Lock.fromSource(YamlSource.parse(file, text, lockRead));
  }

  private static fromSource({ source, problems }: { source: YamlSource; problems: Problem[] }, invocation?: readonly string[]): Lock {
    if (problems.length) {
      const hint = ` (if this is a merge conflict, take one side and run ${commandHint("keys", invocation)} again)`;
      throw new InputError(problems.map((p) => ({ ...p, message: /^(YAML syntax error|duplicate key)/.test(p.message) ? p.message + hint : p.message })));
    }
    const data = source.toJS();
    // Tags and pasted private keys: one problem per node, in place of any other problem at it.
    const flagged = source.nodeProblems();
    if (data === null && !flagged.length) return new Lock();
    if (!isMapping(data) || data.version !== 1)
      throw new InputError([source.problem(["version"], "not a dkimctl version 1 lock file: restore it from git"), ...flagged]);
    const flaggedPaths = new Set(flagged.map((p) => p.path));
    const bad: Problem[] = [...flagged];
    const lock = Lock.fromData(data, (path, message, where = "value") => {
      const p = source.problem(path, `${message}: the lock was edited by hand; restore it from git`, where);
      if (!flaggedPaths.has(p.path)) bad.push(p);
    });
    if (bad.length) throw new InputError(bad);
    return lock;
  }

  /** The lock a file's data describes, each problem told to `at` (the lock is incomplete when there was one). */
  private static fromData(data: Record<string, unknown>, at: (path: string[], message: string, where?: "value" | "key") => void): Lock {
    const lock = new Lock();
    let problems = 0;
    const report = at;
    at = (path, message, where) => {
      problems++;
      report(path, message, where);
    };
    const keys = data.keys ?? {};
    if (!isMapping(keys)) at(["keys"], "keys must be a mapping of domains to their selectors");
    for (const [domain, sels] of Object.entries(isMapping(keys) ? keys : {})) {
      publishedName("domain", domain, checkHostName(domain, "publish"), ["keys", domain], at);
      if (sels !== null && !isMapping(sels)) at(["keys", domain], `domain '${excerpt(domain)}' must be a mapping of selectors to their keys`);
      for (const [selector, raw] of Object.entries(isMapping(sels) ? sels : {})) {
        const path = ["keys", domain, selector];
        const before = problems;
        publishedName("selector", selector, checkHostName(selector, "selector"), path, at);
        const entry = readEntry(path, raw, ENTRY_FIELDS, at);
        if (entry === undefined || problems > before) continue;
        if (entry.state === "active") {
          const other = Object.entries(sels as Record<string, unknown>).find(
            ([s, o]) => s !== selector && isMapping(o) && o.state === "active" && o.algorithm === entry.algorithm,
          );
          if (other && selector > other[0])
            at(
              [...path, "state"],
              `${domain} has two active ${String(entry.algorithm)} keys (${other[0]} and ${selector}); a domain signs with one key per algorithm`,
            );
        }
        lock.set(domain, selector, entry);
      }
    }
    const customers = data.customers ?? {};
    if (!isMapping(customers)) at(["customers"], "customers must be a mapping of customers to their slots");
    for (const [customer, slots] of Object.entries(isMapping(customers) ? customers : {})) {
      publishedName("customer", customer, checkHostName(customer, "publish"), ["customers", customer], at);
      if (slots !== null && !isMapping(slots)) at(["customers", customer], `customer '${excerpt(customer)}' must be a mapping of slots to their keys`);
      for (const [slot, raw] of Object.entries(isMapping(slots) ? slots : {})) {
        const path = ["customers", customer, slot];
        const before = problems;
        const checked = checkHostName(slot, "selector");
        publishedName("slot", slot, checked.ok && checked.value.includes(".") ? { ok: false, reason: "is not one label", problems: [] } : checked, path, at);
        const entry = readEntry(path, raw, SLOT_FIELDS, at);
        const generation = isMapping(raw) ? raw.generation : undefined;
        if (!(typeof generation === "number" && Number.isSafeInteger(generation) && generation >= 1))
          at([...path, "generation"], "generation must be a whole number from 1");
        const ttls: Partial<Record<(typeof SLOT_TTLS)[number], number>> = {};
        for (const field of SLOT_TTLS) {
          const v = isMapping(raw) ? raw[field] : undefined;
          if (v === undefined) continue;
          if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ttls[field] = v;
          else at([...path, field], `${field} must be a whole number of seconds`);
        }
        if (entry?.state !== undefined && !holdsSlot(entry.state))
          at([...path, "state"], `a slot's key is pending, active or retiring, then replaced by the slot's next key; not ${entry.state}`);
        if (entry?.state === "active") {
          const other = Object.entries(slots as Record<string, unknown>).find(([s, o]) => s !== slot && isMapping(o) && o.state === "active");
          if (other && slot > other[0]) at([...path, "state"], `${customer} has two active slots (${other[0]} and ${slot}); a customer signs with one`);
        }
        if (entry === undefined || problems > before) continue;
        // Added to the entry readEntry made: an object spread from another takes ~3 times the memory (20,000 slots: 6 MB against 2).
        const key = entry as { -readonly [F in keyof SlotKey]: SlotKey[F] };
        key.generation = generation as number;
        for (const field of SLOT_TTLS) if (ttls[field] !== undefined) key[field] = ttls[field];
        lock.setSlotKey(customer, slot, key);
      }
    }
    return lock;
  }

  /** The file's text: sorted, so the diff of a change shows only that change. */
  toString(): string {
    const keys: Record<string, Record<string, LockEntry>> = {};
    for (const { domain, selector, entry } of this.entries()) {
      keys[domain] ??= {};
      keys[domain][selector] = entryFields(entry);
    }
    const customers: Record<string, Record<string, SlotKey>> = {};
    for (const { customer, slot, entry } of this.slotKeys()) {
      customers[customer] ??= {};
      customers[customer][slot] = {
        ...entryFields(entry),
        generation: entry.generation,
        ...Object.fromEntries(SLOT_TTLS.filter((f) => entry[f] !== undefined).map((f) => [f, entry[f]])),
      };
    }
    // yaml only here: reading a lock never loads it (config/yaml-source.ts).
    const { stringify } = require("yaml") as typeof import("yaml");
    return HEADER + stringify({ version: 1, keys, ...(this.slots.size ? { customers } : {}) }, { lineWidth: 0 });
  }

  write(file: string): void {
    writeFileAtomic(file, this.toString());
  }
}

/**
 * A key's entry as the lock holds it, or undefined after reporting each
 * problem through `at`; `fields` are the fields the entry may have.
 */
function readEntry(
  path: string[],
  raw: unknown,
  fields: readonly string[],
  at: (path: string[], message: string, where?: "key") => void,
): LockEntry | undefined {
  const what = path[0] === "customers" ? "slot" : "selector";
  if (raw !== null && !isMapping(raw)) {
    at(path, `${what} '${excerpt(path[2])}' must be a mapping of algorithm, publicKey, fingerprint and created`);
    return undefined;
  }
  let ok = true;
  const bad = (p: string[], message: string, where?: "key") => {
    ok = false;
    at(p, message, where);
  };
  const e = raw ?? {};
  for (const k in e) if (!fields.includes(k)) bad([...path, k], `unknown field '${excerpt(k)}' in the lock`, "key");
  if (!KEY_ALGORITHMS.includes(e.algorithm as KeyAlgorithm)) bad([...path, "algorithm"], `algorithm must be one of ${KEY_ALGORITHMS.join(", ")}`);
  if (typeof e.publicKey !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(e.publicKey)) bad([...path, "publicKey"], "publicKey must be the base64 p= value");
  else if (e.fingerprint !== fingerprint(e.publicKey)) bad([...path, "fingerprint"], "fingerprint does not match publicKey");
  // Each time read once (a lock of 20,000 keys: 20,000 times at least).
  const times: Partial<Record<"created" | (typeof LIFECYCLE_TIMES)[number], string>> = {};
  for (const field of TIME_FIELDS) {
    if (field !== "created" && e[field] === undefined) continue;
    const t = time(e[field]);
    if (t === undefined) bad([...path, field], `${field} must be an ISO 8601 time (e.g. 2026-11-26T04:00:00Z)`);
    else times[field] = t;
  }
  if (e.state !== undefined && !STATES.includes(e.state as KeyState)) bad([...path, "state"], `state must be one of ${STATES.join(", ")}`);
  if (e.origin !== undefined && e.origin !== "generated" && e.origin !== "imported") bad([...path, "origin"], "origin must be generated or imported");
  if (!ok) return undefined;
  const timeline = lifecycleProblem(e.state as KeyState | undefined, (f) => times[f as keyof typeof times]);
  if (timeline) {
    at([...path, timeline.field], timeline.message);
    return undefined;
  }
  // Field by field, in the order the file shows them: spreads would take V8's generic path for each of 20,000 entries.
  const entry: { -readonly [F in keyof LockEntry]: LockEntry[F] } = {
    algorithm: e.algorithm as KeyAlgorithm,
    publicKey: e.publicKey as string,
    fingerprint: e.fingerprint as string,
    created: times.created!,
  };
  if (e.origin === "imported") entry.origin = "imported";
  if (e.state !== undefined) entry.state = e.state as KeyState;
  for (const f of LIFECYCLE_TIMES) if (times[f] !== undefined) entry[f] = times[f];
  return entry;
}

/** An entry's fields in the order the file shows them. */
function entryFields(entry: LockEntry): LockEntry {
  return {
    algorithm: entry.algorithm,
    publicKey: entry.publicKey,
    fingerprint: entry.fingerprint,
    created: entry.created,
    ...(entry.origin ? { origin: entry.origin } : {}),
    ...(entry.state ? { state: entry.state } : {}),
    ...Object.fromEntries(LIFECYCLE_TIMES.filter((f) => entry[f] !== undefined).map((f) => [f, entry[f]])),
  };
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
