/**
 * `customers:` in domains.yaml (signing-provider mode): per key zone, the
 * slots, the default delegation, key and TTL, and the customers listed inline
 * (`domains:`) and in a list file (`list:`). Every problem of every entry is
 * reported at once, at its place in domains.yaml or in the list file.
 */
import { dirname, isAbsolute, join } from "node:path";
import { algorithmWarning, type KeyAlgorithm } from "../dkim/keys";
import { checkHostName, MAX_NAME_OCTETS } from "../dns/host-name";
import { isInZone, selectorName } from "../dns/names";
import { hashedTargetLength, slotTarget } from "../dkim/target";
import { parseDuration } from "../duration";
import { excerpt } from "../redact";
import { type ListedCustomer, type ListFile, parseCustomerList, readListFile } from "./customer-list";
import type { Problem } from "./problems";
import { DEFAULT_POLICY } from "./rotation-policy";
import { type SlotPolicy, slotPolicyProblems } from "./slot-policy";
import { PROVIDERS } from "../providers";
import { generatedKeyProblem, txtLimit } from "./txt-limit";
import { type Customer, DELEGATIONS, type Delegation, type Domain, type Position, type Zone } from "./model";
import { isMapping, located, type PathKey, pathText, withLazyPosition, type YamlSource } from "./yaml-source";

/** The slots of a key zone that names none. */
export const DEFAULT_SLOTS: readonly string[] = ["esp1", "esp2"];
/** Two slots rotate; a third rotates faster (a new key can be published while the previous one is still retiring). */
export const MIN_SLOTS = 2;
export const MAX_SLOTS = 3;
export const DEFAULT_DELEGATION: Delegation = "cname";

/** What validating `customers:` needs from the rest of the config, and where it reports. */
export interface CustomerContext {
  /** domains.yaml. */
  readonly source: YamlSource;
  readonly zones: readonly Zone[];
  /** Zones left out for a problem already reported: a key zone among them is not "missing". */
  readonly unusableZones: readonly string[];
  /** The valid plain `domains:` entries. */
  readonly domains: readonly Domain[];
  readonly defaultKey: KeyAlgorithm;
  readonly defaultTtl: number;
  readonly problem: (p: Problem) => void;
  readonly warning: (p: Problem) => void;
  /**
   * A zone or customer name in its published form, or undefined after
   * reporting why it is not one (the config's one name check; `at` and
   * `warn` are given the path `[]`).
   */
  readonly checkedName: (what: "zone" | "customer", key: string, at: Say, warn: Say) => string | undefined;
  /** domains.yaml's `defaults`: the customers' rotation falls back to defaults.rotation. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** A list file as domains.yaml names it (`list:`). @default read from disk, relative to domains.yaml */
  readonly readList?: (list: string) => ListFile;
}

/** Reports a message (the path is the caller's). */
type Say = (path: PathKey[], message: string) => void;

/** A key zone's settings, checked. */
interface Group {
  readonly keyZone: Zone;
  readonly slots: readonly string[];
  readonly delegation: Delegation;
  readonly algorithm: KeyAlgorithm;
  readonly ttl: number;
  readonly rotation: SlotPolicy;
}

const where = (p: Position) => `${p.file}:${p.line}:${p.col}`;

/** The valid customers, sorted by name; every problem is reported through `ctx`. */
export function validateCustomers(raw: unknown, ctx: CustomerContext): Customer[] {
  if (!isMapping(raw)) return []; // absent, or the shape check reported it
  const at = (path: PathKey[], message: string, w: "key" | "value" = "value") => ctx.problem(ctx.source.problem(path, message, w));
  const customers: Customer[] = [];
  // Entries and domains, not their positions: a position is looked up only for a problem (config/fast-yaml.ts).
  const seen = new Map<string, ListedCustomer>();
  const plain = new Map(ctx.domains.map((d) => [d.name, d]));
  const groups: { group: Group | undefined; path: PathKey[]; listed: ListedCustomer[] }[] = [];
  const keyZones: { name: string; path: PathKey[] }[] = [];

  for (const [key, value] of Object.entries(raw)) {
    const path: PathKey[] = ["customers", key];
    const name = ctx.checkedName(
      "zone",
      key,
      (_, m) => at(path, m, "key"),
      (_, m) => ctx.warning(ctx.source.problem(path, m, "key")),
    );
    const zone = name === undefined ? undefined : ctx.zones.find((z) => z.name === name);
    if (name !== undefined && zone === undefined && !ctx.unusableZones.includes(name))
      at(path, `the key zone ${name} is not in 'zones': add it there with its provider (the customers' keys are published in it)`, "key");
    if (name !== undefined) {
      const other = keyZones.find((k) => k.name === name || isInZone(name, k.name) || isInZone(k.name, name));
      if (other?.name === name) at(path, `key zone ${name} is listed twice under 'customers': keep one entry`, "key");
      else if (other) at(path, `key zones ${other.name} and ${name} are nested: a key zone holds targets two labels below it; use zones side by side`, "key");
      keyZones.push({ name, path });
    }
    const g = isMapping(value) ? value : {};
    groups.push({ group: groupOf(g, name, zone, path, ctx, at), path, listed: listedIn(g, path, ctx, at) });
  }

  for (const { group, listed } of groups) {
    for (const entry of listed) {
      const problem = (message: string) => ctx.problem({ ...entry.position, path: entry.path ?? "", message });
      const warning = (message: string) => ctx.warning({ ...entry.position, path: entry.path ?? "", message });
      const name = ctx.checkedName(
        "customer",
        entry.text,
        (_, m) => problem(m),
        (_, m) => warning(m),
      );
      if (name === undefined) continue;
      const first = seen.get(name);
      if (first) {
        problem(`customer ${name} is listed twice (first at ${where(first.position)}): keep one entry`);
        continue;
      }
      seen.set(name, entry);
      const domain = plain.get(name);
      if (domain) problem(`${name} is a customer and also a sender domain under 'domains' (${where(domain.position)}): keep one of the two`);
      const under = keyZones.find((k) => isInZone(name, k.name));
      if (under) problem(`customer ${name} is at or below the key zone ${under.name}: a customer's keys cannot delegate to its own zone; remove it`);
      if (!group) continue;
      const longest = group.slots.reduce((a, b) => (b.length > a.length ? b : a));
      const record = selectorName(longest, name);
      if (record.length > MAX_NAME_OCTETS) {
        problem(
          `the DKIM record ${excerpt(record, 40)} of customer ${excerpt(name, 40)} would be ${record.length} octets; DNS allows ${MAX_NAME_OCTETS}: ` +
            "no selector fits under a name this long; remove the customer, or use shorter slot names",
        );
        continue;
      }
      if (domain || under) continue;
      const customer = {
        name,
        keyZone: group.keyZone.name,
        slots: group.slots,
        delegation: entry.delegation ?? group.delegation,
        algorithm: group.algorithm,
        ttl: group.ttl,
        rotation: group.rotation,
      };
      // The position itself, not a closure: a closure here would keep this loop's scope (the entry, `problem`, `warning`) for each customer.
      customers.push(withLazyPosition(customer, entry.position));
    }
  }
  for (const p of targetCollisions(customers)) ctx.problem(p);
  return customers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A key zone's settings, or undefined after reporting why they are not
 * usable; a key zone that is not a valid zone of `zones` (`name` or `keyZone`
 * undefined) has its settings checked all the same.
 */
function groupOf(
  g: Record<string, unknown>,
  name: string | undefined,
  keyZone: Zone | undefined,
  path: PathKey[],
  ctx: CustomerContext,
  at: (path: PathKey[], message: string, w?: "key" | "value") => void,
): Group | undefined {
  let ok = true;
  const slots = Array.isArray(g.slots) ? g.slots : DEFAULT_SLOTS;
  if (Array.isArray(g.slots) && (slots.length < MIN_SLOTS || slots.length > MAX_SLOTS)) {
    at(
      [...path, "slots"],
      `${slots.length} slot${slots.length === 1 ? "" : "s"} given: give two (a key signs from one while the next is published at the other), or three`,
    );
    ok = false;
  }
  const names: string[] = [];
  for (const [i, slot] of slots.entries()) {
    if (typeof slot !== "string") {
      ok = false; // the shape check reported it
      continue;
    }
    const sel = checkHostName(slot, "selector");
    const why = !sel.ok
      ? `slot '${excerpt(slot)}' ${sel.reason}`
      : sel.value.includes(".")
        ? `slot '${excerpt(slot)}' has a dot: a slot is one label (letters, digits and hyphens), e.g. esp1`
        : names.includes(sel.value)
          ? `slot ${sel.value} is listed twice: give each slot its own name`
          : name !== undefined && hashedTargetLength(sel.value, name) > MAX_NAME_OCTETS
            ? `the targets of slot ${sel.value} in ${name} can be ${hashedTargetLength(sel.value, name)} octets; ` +
              `DNS allows ${MAX_NAME_OCTETS}: use a shorter slot name or key zone`
            : undefined;
    if (why) {
      at([...path, "slots", i], why);
      ok = false;
    } else if (sel.ok) names.push(sel.value);
  }
  const algorithm = (typeof g.key === "string" ? g.key : ctx.defaultKey) as KeyAlgorithm;
  if (typeof g.key === "string") {
    const w = algorithmWarning(algorithm);
    if (w) ctx.warning(ctx.source.problem([...path, "key"], w));
  }
  // The customers' keys are published in the key zone: one its provider cannot hold is refused before any is made.
  const limit = keyZone && txtLimit(keyZone.provider);
  const tooLong = limit && generatedKeyProblem(limit, algorithm, {}, typeof g.key === "string" ? "key" : "defaults.key");
  if (tooLong) {
    at(typeof g.key === "string" ? [...path, "key"] : path, tooLong);
    ok = false;
  }
  const ttl = typeof g.ttl === "number" ? g.ttl : ctx.defaultTtl;
  const ttlWhy = keyZone && PROVIDERS[keyZone.provider].ttl.problem(ttl);
  if (ttlWhy) {
    at(
      typeof g.ttl === "number" ? [...path, "ttl"] : path,
      `${ttlWhy}${typeof g.ttl === "number" ? "" : " (defaults.ttl applies here): set ttl for this key zone"}`,
    );
    ok = false;
  }
  if (g.delegation !== undefined && !DELEGATIONS.includes(g.delegation as Delegation)) ok = false; // the shape check reported it
  const rotation = ok ? slotPolicyOf(g, path, names.length, ttl, ctx, at) : undefined;
  if (!ok || !keyZone || !rotation) return undefined;
  return { keyZone, slots: names, delegation: (g.delegation as Delegation | undefined) ?? DEFAULT_DELEGATION, algorithm, ttl, rotation };
}

/**
 * The customers' rotation: the key zone's `rotation`, field by field over
 * defaults.rotation, then the defaults of rotated domains (180d, 3d, 7d);
 * undefined after reporting why it cannot work with the slots and the TTL,
 * at the field that says so.
 */
function slotPolicyOf(
  g: Record<string, unknown>,
  path: PathKey[],
  slots: number,
  ttl: number,
  ctx: CustomerContext,
  at: (path: PathKey[], message: string, w?: "key" | "value") => void,
): SlotPolicy | undefined {
  const own = isMapping(g.rotation) ? g.rotation : undefined;
  const base = isMapping(ctx.defaults.rotation) ? ctx.defaults.rotation : undefined;
  const fields = ["every", "publishAhead", "retireAfter"] as const;
  const policy: Partial<Record<(typeof fields)[number], number>> = {};
  for (const field of fields) {
    const v = own?.[field] ?? base?.[field];
    const ms = v === undefined ? DEFAULT_POLICY[field] : typeof v === "string" ? parseDuration(v) : undefined;
    if (ms === undefined) return undefined; // the shape check reported it
    policy[field] = ms;
  }
  const checked = policy as SlotPolicy;
  const problems = slotPolicyProblems(checked, slots, ttl);
  for (const p of problems) {
    const where: PathKey[] =
      own?.[p.field] !== undefined
        ? [...path, "rotation", p.field]
        : base?.[p.field] !== undefined
          ? ["defaults", "rotation", p.field]
          : own
            ? [...path, "rotation"]
            : path;
    at(where, `the customers' rotation ${p.field} ${p.message}`);
  }
  return problems.length ? undefined : checked;
}

/** The customers a key zone lists inline and in its list file, in that order. */
function listedIn(
  g: Record<string, unknown>,
  path: PathKey[],
  ctx: CustomerContext,
  at: (path: PathKey[], message: string, w?: "key" | "value") => void,
): ListedCustomer[] {
  const listed: ListedCustomer[] = [];
  if (isMapping(g.domains))
    for (const [key, value] of Object.entries(g.domains)) {
      const delegation = isMapping(value) && DELEGATIONS.includes(value.delegation as Delegation) ? (value.delegation as Delegation) : undefined;
      const entryPath = [...path, "domains", key];
      // The entry's position is found when a problem needs it: a valid project is read without positions (config/fast-yaml.ts).
      listed.push(located({ text: key, path: pathText(entryPath), ...(delegation ? { delegation } : {}) }, ctx.source, entryPath));
    }
  if (typeof g.list === "string") {
    const found = ctx.readList ? ctx.readList(g.list) : readListFile(isAbsolute(g.list) ? g.list : join(dirname(ctx.source.file), g.list));
    if ("unreadable" in found) at([...path, "list"], `the customer list ${found.file}: ${found.unreadable}`);
    else {
      const read = parseCustomerList(found);
      read.problems.forEach(ctx.problem);
      listed.push(...read.entries);
    }
  }
  if (!isMapping(g.domains) && g.list === undefined)
    at(path, "lists no customers: add them under 'domains:' (one per line) or name a file of them with 'list:'", "key");
  return listed;
}

/**
 * Two customer slots with one target (only a SHA-256 collision of two long
 * names could make one): a problem at each, naming the other.
 */
export function targetCollisions(customers: readonly Customer[]): Problem[] {
  const owners = new Map<string, { customer: Customer; slot: string }>();
  const problems: Problem[] = [];
  for (const customer of customers)
    for (const slot of customer.slots) {
      const target = slotTarget(customer.name, slot, customer.keyZone);
      const other = owners.get(target);
      if (!other) {
        owners.set(target, { customer, slot });
        continue;
      }
      const say = (a: { customer: Customer; slot: string }, b: { customer: Customer; slot: string }) => ({
        ...a.customer.position,
        path: "",
        message:
          `slot ${a.slot} of ${a.customer.name} and slot ${b.slot} of ${b.customer.name} (${where(b.customer.position)}) would share the target ${target}: ` +
          "move one of them to another key zone",
      });
      problems.push(say(other, { customer, slot }), say({ customer, slot }, other));
    }
  return problems;
}
