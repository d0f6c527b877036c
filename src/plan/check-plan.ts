/**
 * `dkimctl check-plan`: reads a saved Terraform plan (`terraform show -json
 * PLAN`) and refuses the changes that would break signing or that
 * domains.yaml and the lock do not explain. CI runs it between plan and
 * apply.
 *
 * Each resource change has two sides, judged separately: its `before`
 * (what leaves DNS or Terraform's management, or changes in place) and its
 * `after` (what gets published). A plan of the wrong shape is refused with
 * the reason, resource by resource.
 */
import type { Config } from "../config/model";
import { isMapping } from "../config/yaml-source";
import { commandHint } from "../command-hint";
import { excerpt, excerptValue } from "../redact";
import { fingerprint } from "../dkim/keys";
import { joinTxt } from "../dkim/txt";
import { abbreviate, publicKeyOf } from "../dkim/record";
import type { Lock } from "../keys/lock";
import { type DesiredRecord, desiredRecords } from "../records";
import { isInUse } from "../lifecycle";
import { checkHostName } from "../dns/host-name";
import { canonicalName, type NameParts, partsOf, readName } from "../dns/names";
import { slotTarget } from "../dkim/target";
import { PROVIDER_NAMES, PROVIDERS, providerOfRecordType } from "../providers";
import type { DnsProvider, ReadAttribute } from "../providers/provider";
import { dmarcJudge } from "./dmarc-changes";

/** Whether dkimctl creates resources of this type (a record resource of one of the providers). */
const isRecordType = (type: string): boolean => providerOfRecordType(type) !== undefined;

export interface PlanFinding {
  readonly address: string;
  readonly name?: string;
  readonly severity: "error" | "warning";
  readonly message: string;
}

/**
 * The action lists `terraform show -json` writes, by what they do. `forget`
 * (Terraform 1.7+) leaves the object in DNS but drops it from the state.
 */
const ACTIONS = new Map<string, Kind>([
  ["no-op", "no-op"],
  ["read", "read"],
  ["create", "create"],
  ["update", "update"],
  ["delete", "delete"],
  ["delete+create", "replace"],
  ["create+delete", "replace"],
  ["forget", "forget"],
  ["create+forget", "create-forget"],
]);
type Kind = "no-op" | "read" | "create" | "update" | "delete" | "replace" | "forget" | "create-forget";

/** Which sides a change of each kind has: a before, an after. */
const SIDES: Record<Kind, { before: boolean; after: boolean }> = {
  "no-op": { before: true, after: true },
  read: { before: true, after: true },
  create: { before: false, after: true },
  update: { before: true, after: true },
  delete: { before: true, after: false },
  replace: { before: true, after: true },
  forget: { before: true, after: false },
  "create-forget": { before: true, after: true },
};

/** A DNS record as one side of a plan's resource change describes it. */
interface PlanRecord {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  readonly ttl?: number;
  /** Absent when not known until apply. */
  readonly zoneId?: string;
}

interface Change {
  readonly address: string;
  readonly type: string;
  readonly kind: Kind;
  /** As the plan gives them, joined with `+`: `delete+create`. */
  readonly actions: string;
  /** Terraform imports the object first (an import block: `adopt: true`). */
  readonly importing: boolean;
  readonly before?: PlanRecord;
  readonly after?: PlanRecord;
}

const REMAKE = "make the plan with 'terraform show -json PLANFILE'";

/** `sha256:0123456789ab…` for messages. */
const shortPrint = (key: string) => `${fingerprint(key).slice(0, 19)}…`;

/** What a value is, for messages about the plan's shape. */
function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

const isObject = isMapping;

/** Checks the plan; returns every finding (errors fail the check). */
export function checkPlan(plan: unknown, config: Config, lock: Lock): PlanFinding[] {
  if (!isObject(plan) || !("format_version" in plan)) throw new Error("not a Terraform JSON plan: make it with 'terraform show -json PLANFILE > plan.json'");
  const findings: PlanFinding[] = [];
  const add = (severity: PlanFinding["severity"]) => (address: string, name: string | undefined, message: string) =>
    void findings.push({ address, ...(name ? { name } : {}), severity, message });
  const [error, warn] = [add("error"), add("warning")];

  const version = plan.format_version;
  if (typeof version !== "string") error("format_version", undefined, `is ${kindOf(version)}, not a version string such as "1.2": ${REMAKE}`);
  else if (!/^1\.\d+$/.test(version))
    error("format_version", undefined, `${excerpt(version)} is not a plan format this dkimctl reads (1.x): ${REMAKE} with a Terraform 1.x`);
  const changes = readChanges(plan.resource_changes, (address, message) => error(address, undefined, `${message}: ${REMAKE}`));
  const existing = existingNames(plan, (address, message) => error(address, undefined, `${message}: ${REMAKE}`));
  const lookedUp = zoneLookups(plan);

  const desired = new Map<string, DesiredRecord>(desiredRecords(config, lock).map((r) => [r.name, r]));
  // Every key a name holds before the plan, from any resource: a name never gets a second key.
  // A record adopted from another tool is the exception: its old value was never dkimctl's.
  const keysBefore = new Map<string, Set<string>>();
  for (const c of changes) {
    const adopted = c.importing && c.before && desired.get(c.before.name)?.adopt;
    const key = c.before?.type === "TXT" && !adopted ? publicKeyOf(c.before.value) : undefined;
    if (c.before && key) keysBefore.set(c.before.name, (keysBefore.get(c.before.name) ?? new Set()).add(key));
  }

  const dmarc = dmarcJudge(desired, existing, { error, warn });

  const slots = slotTargets(config, lock, desired);
  /** What a name in the plan is: the desired record's own parts, else what the name says (a record dkimctl no longer publishes). */
  const partsAt = (name: string): NameParts | undefined => {
    const wanted = desired.get(name);
    const slot = slots.get(name);
    return wanted ? partsOf(wanted) : (readName(name) ?? (slot && { family: "dkim", domain: slot.customer, selector: slot.slot }));
  };
  /** The selector of a DKIM record name (or a customer's slot, at its target), with what the lock and domains.yaml say of it. */
  const selectorOf = ({ selector, domain }: { selector: string; domain: string }, name: string) => {
    const wanted = desired.get(name);
    if (slots.has(name)) {
      // A configured customer's slot always answers with a key, whatever its state; a removed customer's keys are in the lock until pruned.
      const entry = lock.slotKey(domain, selector);
      return { selector, domain, entry, inUse: wanted !== undefined, what: entry?.state ?? "pending", wanted, slot: true as const };
    }
    const entry = lock.get(domain, selector);
    // Pending and active keys are in use (or about to be); so is a selector written in domains.yaml.
    const inUse = entry?.state !== undefined ? isInUse(entry.state) : wanted?.role === "selector";
    return { selector, domain, entry, inUse, what: entry?.state ?? "active", wanted, slot: false as const };
  };
  const notDkim = (c: Change, name: string) =>
    error(
      c.address,
      name,
      `${name} is not a DKIM selector record (<selector>._domainkey.<domain>) or a DMARC record (_dmarc.<domain>): it is not derived from domains.yaml`,
    );

  /** The before side leaves DNS: `why` says what the resource does instead, if anything. */
  const judgeDelete = (c: Change, rec: PlanRecord, why?: string) => {
    const parts = partsAt(rec.name);
    if (parts?.family === "dmarc") return dmarc.deleted(c.address, parts.domain, rec, why);
    if (!parts) return notDkim(c, rec.name);
    const s = selectorOf(parts, rec.name);
    const instead = why ? ` (${why})` : "";
    if (s.inUse)
      error(
        c.address,
        rec.name,
        `the plan deletes the record of ${s.what} selector ${s.selector} of ${s.domain}${instead}: ` +
          `mail signed with it${s.what === "pending" ? " from the next rotation" : ""} would fail to verify. Let dkimctl rotate retire it`,
      );
    else if (s.slot)
      warn(
        c.address,
        rec.name,
        `the plan deletes the key of slot ${s.selector} of ${s.domain}, no longer a customer in domains.yaml: ` +
          "make sure the signer no longer signs for it (a new export) and that mail it signed has arrived",
      );
    else if (s.entry?.state !== undefined && s.entry.state !== "removed")
      error(
        c.address,
        rec.name,
        `the plan deletes ${s.selector} of ${s.domain}${instead}, which the lock still has as ${s.entry.state}: ` +
          "a key leaves DNS only once dkimctl rotate has removed it",
      );
    else if (s.entry?.state === undefined && !s.wanted)
      warn(c.address, rec.name, `the plan deletes ${rec.name}, a selector no longer in domains.yaml: make sure no signer still uses it`);
  };

  /** The before side is recreated under the same name and zone. */
  const judgeReplace = (c: Change, rec: PlanRecord) => {
    const parts = partsAt(rec.name);
    if (parts?.family === "dmarc") return dmarc.replaced(c.address, parts.domain, rec);
    if (!parts) return notDkim(c, rec.name);
    const s = selectorOf(parts, rec.name);
    if (s.inUse)
      error(
        c.address,
        rec.name,
        `the plan replaces the record of ${s.what} selector ${s.selector} of ${s.domain}: ` +
          `mail signed with it${s.what === "pending" ? " from the next rotation" : ""} would fail to verify while the record is recreated. ` +
          "Change records in place (the zone or name must not change), or publish a new selector",
      );
  };

  /** The before side stays in DNS but leaves Terraform's management. */
  const judgeForget = (c: Change, rec: PlanRecord) => {
    const parts = partsAt(rec.name);
    if (parts?.family === "dmarc") return dmarc.forgotten(c.address, rec);
    if (!parts) return notDkim(c, rec.name);
    const s = selectorOf(parts, rec.name);
    const state = s.entry?.state;
    if (s.wanted || s.inUse || (state !== undefined && state !== "removed")) {
      const which = state !== undefined ? `${state} selector` : "selector";
      error(
        c.address,
        rec.name,
        `the plan forgets ${rec.name} (Terraform stops managing it; the record stays in DNS), ` +
          `but dkimctl still publishes it (${which} ${s.selector} of ${s.domain}): it could no longer change, revoke or remove it. ` +
          "Remove the 'removed' block (or 'lifecycle { destroy = false }') that asks for this and plan again",
      );
    } else
      warn(
        c.address,
        rec.name,
        `the plan forgets ${rec.name}, a selector no longer in domains.yaml: it stays in DNS, unmanaged; delete it by hand once no signer uses it`,
      );
  };

  /** The after side gets published: it must be exactly a desired record; `before` is the same record set's old side. */
  const judgeAfter = (c: Change, rec: PlanRecord, before?: PlanRecord) => {
    const parts = partsAt(rec.name);
    if (parts?.family === "dmarc") {
      if (dmarc.published(c.address, parts.domain, c.kind === "create", c.actions, rec, before)) sameTtlAndZone(c, rec, desired.get(rec.name)!);
      return;
    }
    if (!parts) return notDkim(c, rec.name);
    const s = selectorOf(parts, rec.name);
    const { selector, domain, entry, wanted } = s;
    if (c.kind === "create" && existing.has(rec.name))
      return error(
        c.address,
        rec.name,
        `the plan creates ${rec.name}, but the zone already has a record there that this stack did not create, and ${existing.get(rec.name)}. ` +
          "To take it over (its value becomes the one dkimctl publishes), " +
          `set 'adopt: true' on selector ${selector} of ${domain} in domains.yaml and plan again; or delete the record from the zone`,
      );
    if (!wanted)
      return error(
        c.address,
        rec.name,
        `the plan ${c.actions}s ${rec.name}, which domains.yaml and the lock do not produce: ` +
          `run ${commandHint("records", config.invocation)} to see what they do`,
      );
    const [key, wantedKey] = rec.type === "TXT" && wanted.type === "TXT" ? [publicKeyOf(rec.value), publicKeyOf(wanted.value)] : [undefined, undefined];
    const previous = [...(keysBefore.get(rec.name) ?? [])].find((k) => key && k !== key);
    if (key === "" && wantedKey !== "")
      error(
        c.address,
        rec.name,
        `the plan revokes the key of selector ${selector} of ${domain} (empty p=), but the lock has it as ${entry?.state ?? "active"}: ` +
          "only a key dkimctl rotate has revoked may lose its p=",
      );
    else if (key !== wantedKey)
      error(
        c.address,
        rec.name,
        `the plan publishes a key for ${selector} of ${domain} that the lock does not have (lock ${entry?.fingerprint ?? "none"}): ` +
          "re-run 'cdktf synth' from this commit and plan again",
      );
    else if (previous && key && s.slot && s.entry?.state === "pending" && s.entry.generation > 1) {
      // A slot's name takes its next key once its old key has retired: rotate placed it (pending) and it signs later.
    } else if (previous && key && s.slot)
      error(
        c.address,
        rec.name,
        `the plan changes the key at slot ${selector} of ${domain} from ${shortPrint(previous)} to ${shortPrint(key)}, ` +
          `but the lock has the new key as ${s.entry?.state ?? "missing"}${s.entry ? ` (generation ${s.entry.generation})` : ""}: ` +
          "a slot takes a new key only when dkimctl rotate places one at it (pending, after the old one retired). Restore the lock from git",
      );
    else if (previous && key)
      error(
        c.address,
        rec.name,
        `the plan changes the key of selector ${selector} of ${domain} from ${shortPrint(previous)} to ${shortPrint(key)}: ` +
          "a selector never gets a second key. Restore the selector's entry in the lock from git, " +
          "and publish a new key under a new selector (a new name in domains.yaml, or dkimctl rotate)",
      );
    else if (rec.type !== wanted.type || rec.value !== wanted.value)
      error(
        c.address,
        rec.name,
        `the plan publishes ${rec.type} '${excerpt(abbreviate(rec.value), 80)}' ` +
          `where domains.yaml and the lock give ${wanted.type} '${excerpt(abbreviate(wanted.value), 80)}': ` +
          "re-run 'cdktf synth' from this commit and plan again",
      );
    sameTtlAndZone(c, rec, wanted);
  };

  const sameTtlAndZone = (c: Change, rec: PlanRecord, wanted: DesiredRecord) => {
    if (rec.ttl !== wanted.ttl) error(c.address, rec.name, `the plan sets TTL ${rec.ttl ?? "(unknown)"} on ${rec.name} where domains.yaml gives ${wanted.ttl}`);
    const into = `the plan writes ${rec.name} into zone id ${rec.zoneId === undefined ? "(unknown until apply)" : excerpt(rec.zoneId, 40)}`;
    if (wanted.zoneId !== undefined) {
      if (rec.zoneId !== wanted.zoneId) error(c.address, rec.name, `${into}, but domains.yaml puts it in zone ${wanted.zone} (id ${wanted.zoneId})`);
      return;
    }
    // A zone looked up by name: the plan's own look-up, as Terraform read it, must have given this id for this name.
    // A provider whose zones have an id can pin it; the others name their zones by what domains.yaml already says, and the look-up is in every stack.
    const idField = (PROVIDERS[wanted.provider] as DnsProvider).zoneId?.field;
    const pin = idField
      ? `set the zone's id in domains.yaml (zones: ${wanted.zone}: { provider: ${wanted.provider}, ${idField}: ... }) and plan again`
      : "plan the stacks 'cdktf synth' writes from this commit, which read the zone's look-up during the plan";
    const found = rec.zoneId === undefined ? undefined : lookedUp.get(rec.zoneId);
    if (rec.zoneId === undefined)
      error(c.address, rec.name, `${into}: the look-up of zone ${wanted.zone} was not read during the plan, so the zone cannot be confirmed; ${pin}`);
    else if (found === undefined)
      error(c.address, rec.name, `${into}, which no look-up of zone ${wanted.zone} in the plan gave: domains.yaml puts it in zone ${wanted.zone}; ${pin}`);
    else if (found.name !== wanted.zone)
      error(
        c.address,
        rec.name,
        `${into}, the zone the plan's look-up ${found.address} found as ${excerpt(found.name, 60)}, but domains.yaml puts it in zone ${wanted.zone}`,
      );
  };

  for (const c of changes) {
    const { before, after } = c;
    if (c.kind === "no-op" || c.kind === "read") continue;
    if (!isRecordType(c.type)) {
      error(
        c.address,
        undefined,
        `the plan ${c.actions}s a ${excerpt(c.type, 60)}, which dkimctl does not make: only DKIM and DMARC records belong in these stacks`,
      );
      continue;
    }
    // Same record set: the name, and the zone where both sides know it.
    const same = before && after && before.name === after.name && (before.zoneId === undefined || after.zoneId === undefined || before.zoneId === after.zoneId);
    const instead =
      after && before && !same
        ? after.name !== before.name
          ? `this resource now makes ${after.name}`
          : `this resource now writes it into zone id ${excerpt(after.zoneId ?? "", 40)}`
        : undefined;
    if (before) {
      if (c.kind === "delete") judgeDelete(c, before);
      else if (c.kind === "forget" || c.kind === "create-forget") judgeForget(c, before);
      else if (!same)
        judgeDelete(c, before, instead); // an update or replace that renames or moves the record
      else if (c.kind === "replace") judgeReplace(c, before);
    }
    if (after) judgeAfter(c, after, same ? before : undefined);
  }
  return findings;
}

/**
 * Customer slots' targets (signing-provider mode), by name: the desired
 * ones, and those of every customer the lock still has in each key zone (a
 * removed customer's records are deleted by the plan after it goes).
 */
function slotTargets(config: Config, lock: Lock, desired: ReadonlyMap<string, DesiredRecord>): Map<string, { customer: string; slot: string }> {
  const out = new Map<string, { customer: string; slot: string }>();
  for (const r of desired.values()) if (r.kind === "dkim-slot-key") out.set(r.name, { customer: r.domain, slot: r.selector });
  const keyZones = [...new Set(config.customers.map((c) => c.keyZone))];
  for (const { customer, slot } of lock.slotKeys())
    for (const zone of keyZones) {
      const name = slotTarget(customer, slot, zone);
      if (!out.has(name)) out.set(name, { customer, slot });
    }
  return out;
}

/** The managed resource changes, each checked for the shape Terraform writes; `bad` gets every problem. */
function readChanges(raw: unknown, bad: (address: string, message: string) => void): Change[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    bad("resource_changes", `is ${kindOf(raw)}, not a list of resource changes`);
    return [];
  }
  const changes: Change[] = [];
  raw.forEach((rc: unknown, i) => {
    const read = readChange(rc, `resource_changes[${i}]`);
    for (const p of read.problems) bad(read.address, p);
    if (read.change) changes.push(read.change);
  });
  return changes;
}

/** One resource change (`where` names it when it has no address); a data source's is none. */
function readChange(rc: unknown, where: string): { address: string; change?: Change; problems: string[] } {
  if (!isObject(rc)) return { address: where, problems: [`is ${kindOf(rc)}, not a resource change`] };
  const address = typeof rc.address === "string" && rc.address !== "" ? excerpt(rc.address, 120) : where;
  if (rc.mode === "data") return { address, problems: [] }; // data sources are read, never changed
  const problems: string[] = [];
  if (address === where) problems.push("has no address");
  if (rc.mode !== "managed") problems.push(`has mode ${excerptValue(rc.mode)}; Terraform writes "managed" or "data"`);
  const type = typeof rc.type === "string" ? rc.type : undefined;
  if (type === undefined) problems.push(`has type ${excerptValue(rc.type)}, not a resource type`);
  const change = rc.change;
  if (!isObject(change)) return { address, problems: [...problems, `has no change object (found ${kindOf(change)})`] };

  const actions = Array.isArray(change.actions) && change.actions.every((a) => typeof a === "string") ? (change.actions as string[]).join("+") : undefined;
  const kind = actions === undefined ? undefined : ACTIONS.get(actions);
  if (!Array.isArray(change.actions)) problems.push(`change.actions is ${kindOf(change.actions)}, not a list of actions`);
  else if (!kind)
    problems.push(
      `change.actions ${excerpt(JSON.stringify(change.actions), 60)} is not an action list Terraform writes ` +
        `(${[...ACTIONS.keys()].map((k) => JSON.stringify(k.split("+"))).join(", ")})`,
    );

  const sides: Partial<Record<"before" | "after", PlanRecord>> = {};
  for (const side of ["before", "after"] as const) {
    const values = change[side] ?? null;
    if (values !== null && !isObject(values)) {
      problems.push(`change.${side} is ${kindOf(values)}, not an object or null`);
      continue;
    }
    if (!kind) continue;
    const expected = SIDES[kind][side];
    if (expected && !values) problems.push(`a ${actions} without change.${side}`);
    if (!expected && values) problems.push(`a ${actions} with a change.${side}`);
    // Only the records dkimctl makes are read further; no-op and read changes change nothing.
    if (!values || !expected || kind === "no-op" || kind === "read" || !isRecordType(type ?? "")) continue;
    const unknown = change[`${side}_unknown`];
    const rec = recordOf(type!, values, isObject(unknown) ? unknown : {}, (message) => problems.push(`change.${side}.${message}`));
    if (rec) sides[side] = rec;
  }
  if (problems.length || !kind || !type || !actions) return { address, problems };
  return { address, problems, change: { address, type, kind, actions, importing: isObject(change.importing), ...sides } };
}

/** The DNS record one side of a resource change describes (read by its provider); `bad` gets each attribute of the wrong shape. */
function recordOf(type: string, values: Record<string, unknown>, unknown: Record<string, unknown>, bad: (message: string) => void): PlanRecord | undefined {
  const provider: DnsProvider = providerOfRecordType(type)!;
  const problems: string[] = [];
  const field = (name: string, want: "string" | "number" | "strings", required: boolean, key?: string): unknown => {
    const v = values[name];
    if (want === "strings") {
      const what = key === undefined ? "a list of strings" : `a list of blocks, each with a string '${key}'`;
      // A block's string, or a list's string item; undefined for any other.
      const item = (r: unknown): unknown => (key === undefined ? r : isObject(r) ? r[key] : undefined);
      if (!Array.isArray(v)) problems.push(`${name} is ${kindOf(v)}, not ${what}`);
      else {
        const odd = v.findIndex((r) => typeof item(r) !== "string");
        if (odd < 0) return v.map(item);
        const found = key !== undefined && isObject(v[odd]) ? `a block whose '${key}' is ${kindOf(item(v[odd]))}` : kindOf(v[odd]);
        problems.push(`${name} is a list holding ${found}, not ${what}`);
      }
      return undefined;
    }
    if (v === undefined && unknown[name] === true) {
      if (required) problems.push(`${name} is not known until apply: dkimctl records are literal values; re-run 'cdktf synth' and plan again`);
      return undefined;
    }
    if (v === undefined || v === null) {
      if (required) problems.push(`${name} is missing`);
      return undefined;
    }
    if (typeof v !== want) problems.push(`${name} is ${kindOf(v)}, not a ${want}`);
    return typeof v === want ? v : undefined;
  };
  const side = provider.plan.record(type, field as ReadAttribute);
  const { name: rawName, type: rrtype, ttl, zoneId } = side;
  const name = rawName === undefined ? undefined : canonicalName(rawName);
  if (rawName !== undefined && !checkHostName(rawName, "plan").ok)
    problems.push(`name ${excerptValue(rawName)}${rawName.length > 24 ? ` (${rawName.length} characters)` : ""} is not a DNS name`);
  // TXT: each value in the provider's form is the character-strings of one record, joined as a verifier joins them.
  const recs = side.values();
  let value = recs === undefined ? undefined : rrtype === "TXT" ? recs.map((r) => joinTxt(provider.txt.read(r))).join("\n") : recs.join("\n");
  if (problems.length || name === undefined || rrtype === undefined || value === undefined) {
    problems.forEach(bad);
    return undefined;
  }
  if (rrtype === "CNAME") value = canonicalName(value);
  return { name, type: rrtype, value, ...(ttl !== undefined ? { ttl } : {}), ...(zoneId !== undefined ? { zoneId } : {}) };
}

/**
 * The zones the plan knows by id (the stacks' look-ups by name, as Terraform
 * read them into prior_state, and zones a stack of one's own manages), by
 * the id each has: its name and the address that gave it. Each provider
 * says which of its resources name a zone (`plan.zoneOf`; a private zone is
 * none: dkimctl publishes into public zones only).
 */
function zoneLookups(plan: Record<string, unknown>): Map<string, { name: string; address: string }> {
  const found = new Map<string, { name: string; address: string }>();
  const providers = PROVIDER_NAMES.map((n): DnsProvider => PROVIDERS[n]);
  eachPriorResource(plan, (r) => {
    if ((r.mode !== "data" && r.mode !== "managed") || !isObject(r.values) || typeof r.address !== "string" || typeof r.type !== "string") return;
    const resource = { mode: r.mode as "data" | "managed", type: r.type, values: r.values };
    for (const p of providers) {
      const zone = p.plan.zoneOf(resource);
      if (zone) found.set(zone.id, { name: canonicalName(zone.name), address: r.address });
    }
  });
  return found;
}

/** Every resource of the plan's prior state, child modules included. */
function eachPriorResource(plan: Record<string, unknown>, visit: (resource: Record<string, unknown>) => void, bad?: (message: string) => void): void {
  const list = (v: unknown, what: string): unknown[] => {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    bad?.(`${what} is ${kindOf(v)}, not a list`);
    return [];
  };
  const walk = (module: unknown, depth: number) => {
    if (!isObject(module) || depth > 50) return;
    for (const r of list(module.resources, "root_module.resources")) if (isObject(r)) visit(r);
    for (const child of list(module.child_modules, "child_modules")) walk(child, depth + 1);
  };
  const prior = plan.prior_state;
  walk(isObject(prior) && isObject(prior.values) ? prior.values.root_module : undefined, 0);
}

/**
 * Names in the zones' listings of existing records that the plan read (the
 * providers with `existingRecords`, constructs/providers/<p>.ts), each with
 * what its provider does with a create over it.
 */
function existingNames(plan: Record<string, unknown>, bad: (address: string, message: string) => void): Map<string, string> {
  const names = new Map<string, string>();
  const listings = new Map(
    PROVIDER_NAMES.flatMap((n) => {
      const existing = (PROVIDERS[n] as DnsProvider).existingRecords;
      return existing.can ? [[existing.address, existing] as const] : [];
    }),
  );
  eachPriorResource(
    plan,
    (r) => {
      const listing = typeof r.address === "string" ? listings.get(r.address) : undefined;
      if (!listing) return;
      const found = listing.names(isObject(r.values) ? r.values : {}, (message) => bad("prior_state", `${listing.address} ${message}`));
      for (const name of found) names.set(canonicalName(name), listing.onCreateOver);
    },
    (message) => bad("prior_state", message),
  );
  return names;
}
