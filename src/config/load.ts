/**
 * Loads domains.yaml: parse with positions, check the shape (zod), then the
 * rules that span fields, collecting every problem before reporting.
 */
import { dirname, join } from "node:path";
import type { z } from "zod";
import { algorithmWarning, KEY_ALGORITHMS, type KeyAlgorithm } from "../dkim/keys";
import { parseDuration } from "../duration";
import { DEFAULT_POLICY, policyProblems, type RotationPolicy } from "./rotation-policy";
import { checkHostName, MAX_NAME_OCTETS, mixedScriptLabel } from "../dns/host-name";
import { closestZone, isInZone, selectorName } from "../dns/names";
import { formatTags, noteProblem, parseKeyRecord, withTag } from "../dkim/record";
import { joinTxt, parseQuotedTxt } from "../dkim/txt";
import type { Backend, Config, Customer, Domain, Selector, SelectorSource, Zone } from "./model";
import { didYouMean, formatProblem, InputError, type Problem } from "./problems";
import { capText, excerpt, excerptValue } from "../redact";
import { DOMAIN_FIELDS, knownFields, shapeIssues } from "./config-shape";
import { isProviderName, PROVIDERS, type ProviderName } from "../providers";
import { adoptProblem, zoneFields } from "../providers/zones";
import { isMapping, located, type PathKey, YamlSource } from "./yaml-source";
import { keyStoreSpec } from "./key-store";
import { DEFAULT_KEY_ZONE_STACKS, zoneStackNames } from "./zone-stacks";
import { type DmarcDefaults, defaultDmarc, domainDmarc } from "./dmarc";
import { spfRequirement } from "./spf";
import { dmarcRecordProblem, generatedKeyProblem, providedRecordProblem, rotationKeysProblem, txtLimit } from "./txt-limit";
import { dmarcRecordValue } from "../dmarc/record";
import { parkedProblems } from "./parked";
import { validateCustomers } from "./customers";
import type { ListFile } from "./customer-list";

export const DEFAULT_TTL = 3600;
export const DEFAULT_KEY: KeyAlgorithm = "rsa-2048";
export const LOCK_FILE_NAME = "dkim.lock.yaml";

/** Reads and validates a config file. Throws InputError listing every problem. */
export function loadConfig(file: string): Config {
  const { source, problems } = YamlSource.read(file);
  if (problems.length) throw new InputError(problems);
  return validateSource(source);
}

/**
 * Validates YAML text (for tests and tools that already hold the text);
 * `readList` finds the customer list files it names (default: on disk).
 */
export function parseConfig(file: string, text: string, options: { readList?: (list: string) => ListFile } = {}): Config {
  const { source, problems } = YamlSource.parse(file, text);
  if (problems.length) throw new InputError(problems);
  return validateSource(source, options);
}

/** Why a TTL is not allowed in a zone of `provider`, for people; undefined when it is. */
function ttlProblem(provider: ProviderName, ttl: number): string | undefined {
  return PROVIDERS[provider].ttl.problem(ttl);
}

type Obj = Record<string, unknown>;
const isObj = isMapping;

/** Records a problem at a node (its key with `where: 'key'`). */
type Report = (path: PathKey[], message: string, where?: "value" | "key") => void;

/** What validating one zone, domain or selector needs to know and where it reports. */
interface Context {
  readonly source: YamlSource;
  readonly at: Report;
  readonly warn: Report;
  readonly defaults: Obj;
  readonly defaultKey: KeyAlgorithm;
  readonly defaultTtl: number;
  readonly zones: readonly Zone[];
  /** Zones whose provider is missing or wrong (already reported): domains under them are not "under no zone". */
  readonly unusableZones: readonly string[];
  /** Providers whose TTL rules defaults.ttl breaks where it applies. */
  readonly defaultTtlUsers: Set<ProviderName>;
  /** defaults.dmarc, checked once. */
  readonly dmarcDefaults?: DmarcDefaults;
}

function validateSource(source: YamlSource, options: { readList?: (list: string) => ListFile } = {}): Config {
  const data = source.toJS();
  // Tags and pasted private keys: one problem per node, in place of any other problem at it.
  const flagged = source.nodeProblems();
  // What is made from the data below is all that is kept of it.
  source.release();
  const flaggedPaths = new Set(flagged.map((p) => p.path));
  const fail = (message: string, path: PathKey[] = []) => new InputError([source.problem(path, message), ...flagged]);

  if (data === null || data === undefined)
    throw fail("the file is empty: start it with 'version: 1', then 'zones:' and 'domains:' ('npx dkimctl help domains-yaml' shows them)");
  if (!isObj(data)) throw fail(`the file must be a mapping with 'version', 'zones' and 'domains', not ${describe(data)}`);
  if (!("version" in data)) throw fail("'version' is missing: add 'version: 1' as the first line after the modeline");
  if (data.version !== 1) {
    const upgrade = typeof data.version === "number" && data.version > 1;
    throw fail(
      `version ${excerptValue(data.version)} is not one this dkimctl reads (it reads version 1): ${upgrade ? "upgrade dkimctl" : "set 'version: 1'"}`,
      ["version"],
    );
  }

  const problems: Problem[] = [...flagged];
  const keep = (p: Problem) => void (flaggedPaths.has(p.path) || problems.push(p));
  const warnings: string[] = [];
  // A domain's field (DOMAIN_FIELDS) at the level of the domain names (under-indented) is one problem, reported by validateDomains.
  const misplaced = new Set(isObj(data.domains) ? Object.keys(data.domains).filter((k) => DOMAIN_FIELDS.includes(k)) : []);
  const isMisplaced = (path: readonly PropertyKey[]) => path[0] === "domains" && misplaced.has(String(path[1]));
  for (const issue of shapeIssues(data)) if (!isMisplaced(issue.path)) zodProblems(source, issue).forEach(keep);

  // Cross-field rules, run on the raw data defensively so that every problem
  // is found even when the shape check failed somewhere else.
  const at: Report = (path, message, where = "value") => keep(source.problem(path, message, where));
  const warn: Report = (path, message, where = "value") => warnings.push(formatProblem(source.problem(path, message, where)));
  const defaults = isObj(data.defaults) ? data.defaults : {};
  const rawZones = isObj(data.zones) ? data.zones : {};
  const ctx: Context = {
    source,
    at,
    warn,
    defaults,
    defaultTtl: typeof defaults.ttl === "number" ? defaults.ttl : DEFAULT_TTL,
    defaultKey: (typeof defaults.key === "string" ? defaults.key : DEFAULT_KEY) as KeyAlgorithm,
    zones: validateZones(rawZones, source, at, warn),
    unusableZones: unusableZones(rawZones),
    defaultTtlUsers: new Set(),
    dmarcDefaults: defaultDmarc(defaults, at, warn),
  };
  if (data.domains === undefined && data.customers === undefined) at(["domains"], "'domains' is missing: add it (a mapping)", "key");
  const domains = validateDomains(isObj(data.domains) ? data.domains : {}, ctx);
  const customers = validateCustomers(data.customers, {
    ...ctx,
    domains,
    problem: keep,
    warning: (p) => warnings.push(formatProblem(p)),
    checkedName: (what, key, at, warn) => checkedName(what, key, [], at, warn),
    ...(options.readList ? { readList: options.readList } : {}),
  });
  for (const provider of ctx.defaultTtlUsers) {
    ctx.at(
      ["defaults", "ttl"],
      `${ttlProblem(provider, ctx.defaultTtl)} (the default applies to selectors in ${provider} zones): change defaults.ttl or set ttl on those selectors`,
    );
  }
  if (typeof defaults.key === "string") {
    const w = algorithmWarning(defaults.key as KeyAlgorithm);
    if (w) ctx.warn(["defaults", "key"], w);
  }

  const zones = withCustomerStacks(ctx.zones, customers);
  checkStackNames(zones, (zone, message) => keep({ ...zone.position, path: `zones/${zone.name}`, message }));
  const backend = buildBackend(data.backend, ctx.at);
  const keyStore = keyStoreSpec(data.keyStore, source.file, ctx.at);
  if (problems.length) throw new InputError(problems);
  return {
    file: source.file,
    lockFile: join(dirname(source.file), LOCK_FILE_NAME),
    backend,
    keyStore,
    zones: zones.sort((a, b) => a.name.localeCompare(b.name)),
    domains: domains.sort((a, b) => a.name.localeCompare(b.name)),
    customers,
    warnings,
  };
}

/** Names of the zones left out for want of a valid provider (the shape check reported why). */
function unusableZones(raw: Obj): string[] {
  return Object.entries(raw).flatMap(([key, value]) => {
    const name = checkHostName(key, "publish");
    return name.ok && !(isObj(value) && isProviderName(value.provider)) ? [name.value] : [];
  });
}

/** The valid zones; every problem of every zone is reported. */
function validateZones(raw: Obj, source: YamlSource, at: Report, warn: Report): Zone[] {
  const zones: Zone[] = [];
  const zoneKeys = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const path = ["zones", key];
    const name = checkedName("zone", key, path, at, warn);
    const other = name && zoneKeys.get(name);
    if (other !== undefined) at(path, `zone ${name} is declared twice (also as '${excerpt(other)}'); keep one`, "key");
    else if (name) zoneKeys.set(name, key);
    if (!isObj(value) || !isProviderName(value.provider)) continue; // the shape check reported it
    const provider = value.provider;
    const field = (report: Report) => (f: string, message: string) => report([...path, f], message);
    const { zoneId, options } = zoneFields(value, provider, name ?? `'${excerpt(key)}'`, field(at), field(warn));
    const stacks = typeof value.stacks === "number" && Number.isInteger(value.stacks) && value.stacks > 0 ? { stacks: value.stacks } : {};
    const recordQuota = typeof value.recordQuota === "number" ? value.recordQuota : PROVIDERS[provider].recordQuota.quota;
    if (name && other === undefined)
      zones.push(located({ name, provider, ...(zoneId !== undefined ? { zoneId } : {}), options, recordQuota, ...stacks }, source, path));
  }
  return zones;
}

/** Key zones spread their customers over DEFAULT_KEY_ZONE_STACKS stacks unless they set `stacks`. */
function withCustomerStacks(zones: readonly Zone[], customers: readonly Customer[]): Zone[] {
  const keyZones = new Set(customers.map((c) => c.keyZone));
  return zones.map((z) => (keyZones.has(z.name) && z.stacks === undefined ? { ...z, stacks: DEFAULT_KEY_ZONE_STACKS } : z));
}

/**
 * A zone or domain name in its published form, or undefined after reporting
 * why it is not a host name; a name that mixes scripts is a warning.
 */
function checkedName(what: "zone" | "domain" | "customer", key: string, path: PathKey[], at: Report, warn: Report): string | undefined {
  const name = checkHostName(key, "publish");
  if (!name.ok) {
    at(path, `${what} name '${excerpt(key)}' ${name.reason}`, "key");
    return undefined;
  }
  const mixed = mixedScriptLabel(name.value);
  if (mixed)
    warn(
      path,
      `the label '${excerpt(mixed.label)}' mixes ${mixed.scripts.join(" and ")} letters, as look-alike names do: ` +
        `it is published as ${name.value}; make sure this is the ${what} you mean`,
      "key",
    );
  return name.value;
}

/** The valid domains; every problem of every domain and selector is reported, also under a domain that is itself invalid. */
function validateDomains(raw: Obj, ctx: Context): Domain[] {
  const domains: Domain[] = [];
  const domainKeys = new Map<string, string>();
  const entries = Object.entries(raw);
  const zonesByName = new Map(ctx.zones.map((z) => [z.name, z]));
  const indentedUnder = (i: number) => DOMAIN_FIELDS.includes(entries[i + 1]?.[0]);
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i];
    const path = ["domains", key];
    if (DOMAIN_FIELDS.includes(key)) {
      const owner = i > 0 && !DOMAIN_FIELDS.includes(entries[i - 1][0]) ? entries[i - 1][0] : undefined;
      ctx.at(
        path,
        `'${key}' is a field of a domain, but it is at the level of the domain names, so it reads as a domain named '${key}': ` +
          `indent '${key}:' and the lines under it two more spaces${owner ? `, under ${excerpt(owner)}` : ", under its domain"}`,
        "key",
      );
      continue;
    }
    const name = checkedName("domain", key, path, ctx.at, ctx.warn);
    const other = name && domainKeys.get(name);
    if (other !== undefined) ctx.at(path, `domain ${name} is listed twice (also as '${excerpt(other)}'); merge their selectors into one entry`, "key");
    else if (name) domainKeys.set(name, key);
    const zone = name === undefined ? undefined : closestZone(name, zonesByName);
    if (name && !zone && !ctx.unusableZones.some((z) => isInZone(name, z))) {
      const hint = ctx.zones.length ? ` (zones: ${ctx.zones.map((z) => z.name).join(", ")})` : "";
      ctx.at(path, `${name} is under no zone in 'zones'${hint}: add the zone that holds ${name} to 'zones', or fix the name`, "key");
    }
    const selectorsRaw = isObj(value) && isObj(value.selectors) ? value.selectors : {};
    const rotation = rotationPolicy(value, ctx.defaults, ctx.defaultKey, path, ctx.at);
    // A parked domain, or one that publishes only its own DMARC record (an organizational domain whose subdomains send), needs no selectors.
    const mailOnly = isObj(value) && (value.parked === true || isObj(value.dmarc));
    parkedProblems(value, path, ctx.at);
    const dmarc = domainDmarc(value, path, zone && adoptProblem(zone.provider), ctx.dmarcDefaults, ctx.at, ctx.warn);
    const spf = spfRequirement(isObj(value) ? value.spf : undefined, [...path, "spf"], ctx.at);
    if (dmarc.dmarc && zone && ttlProblem(zone.provider, ctx.defaultTtl)) ctx.defaultTtlUsers.add(zone.provider);
    if (
      !mailOnly &&
      Object.keys(selectorsRaw).length === 0 &&
      !wantsRotation(value, ctx.defaults) &&
      !(value === null && indentedUnder(i)) &&
      (value === null || (isObj(value) && (value.selectors === undefined || isObj(value.selectors))))
    ) {
      ctx.at(
        path,
        `${name ?? `'${excerpt(key)}'`} has no selectors: ` +
          `add one under 'selectors:', e.g. 's2026a: {}' for a generated ${ctx.defaultKey} key, or give it a rotation policy`,
        "key",
      );
    }
    // Rotated records take defaults.ttl.
    if (rotation && zone && ttlProblem(zone.provider, ctx.defaultTtl)) ctx.defaultTtlUsers.add(zone.provider);
    const limit = zone && txtLimit(zone.provider);
    const keysTooLong = limit && rotation && rotationKeysProblem(limit, rotation.keys);
    if (keysTooLong) ctx.at(rotationField(value, ctx.defaults, path)("keys"), keysTooLong);
    const dmarcTooLong = limit && dmarc.dmarc && dmarcRecordProblem(limit, dmarcRecordValue(dmarc.dmarc));
    if (dmarcTooLong) ctx.at(isObj(value) && value.dmarc !== undefined ? [...path, "dmarc"] : path, dmarcTooLong);
    const selectors = validateSelectors(selectorsRaw, path, name, zone, ctx);
    if (name === undefined || other !== undefined || zone === undefined) continue;
    domains.push(
      located(
        {
          name,
          zone: zone.name,
          selectors: selectors.sort((a, b) => a.name.localeCompare(b.name)),
          ...(rotation ? { rotation } : {}),
          ttl: ctx.defaultTtl,
          ...dmarc,
          ...(spf && !dmarc.parked ? { spf } : {}),
        },
        ctx.source,
        path,
      ),
    );
  }
  return domains;
}

/**
 * The valid selectors of a domain. `domain` and `zone` are undefined when the
 * domain's name is invalid or under no zone: the selectors are still checked.
 */
function validateSelectors(raw: Obj, domainPath: PathKey[], domain: string | undefined, zone: Zone | undefined, ctx: Context): Selector[] {
  const { at } = ctx;
  const selectors: Selector[] = [];
  const selectorKeys = new Map<string, string>();
  for (const selKey in raw) {
    const selRaw = raw[selKey];
    const path = [...domainPath, "selectors", selKey];
    const sel = checkHostName(selKey, "selector");
    let named = sel.ok;
    if (!sel.ok) at(path, `selector '${excerpt(selKey)}' ${sel.reason}`, "key");
    else if (selectorKeys.has(sel.value)) {
      at(path, `selector ${sel.value} is listed twice (also as '${excerpt(selectorKeys.get(sel.value)!)}'); keep one`, "key");
      named = false;
    } else {
      selectorKeys.set(sel.value, selKey);
      const fqdn = domain === undefined ? "" : selectorName(sel.value, domain);
      if (fqdn.length > MAX_NAME_OCTETS) {
        at(path, `the record name ${fqdn} is ${fqdn.length} octets; DNS allows ${MAX_NAME_OCTETS}: use a shorter selector`, "key");
        named = false;
      }
    }
    const s = selRaw === null ? {} : isObj(selRaw) ? selRaw : undefined;
    if (s === undefined) continue; // the shape check reported it
    const built = buildSelector(s, path, at, { defaultKey: ctx.defaultKey, warnings: (m) => ctx.warn([...path, "key"], m) });
    const ttl = typeof s.ttl === "number" ? s.ttl : ctx.defaultTtl;
    if (zone) {
      const cannotAdopt = s.adopt === true ? adoptProblem(zone.provider) : undefined;
      if (cannotAdopt) at([...path, "adopt"], cannotAdopt);
      const tooLong = built && recordTooLong(zone.provider, built, s);
      if (tooLong) at(built.kind === "provided" ? [...path, "txt"] : typeof s.key === "string" ? [...path, "key"] : path, tooLong);
      const ttlWhy = ttlProblem(zone.provider, ttl);
      if (ttlWhy) {
        if (typeof s.ttl === "number") at([...path, "ttl"], ttlWhy);
        else ctx.defaultTtlUsers.add(zone.provider);
      }
    }
    if (!sel.ok || !named || built === undefined || domain === undefined) continue;
    selectors.push(
      located(
        {
          name: sel.value,
          domain,
          ttl,
          testing: s.testing === true,
          adopt: s.adopt === true,
          ...(typeof s.note === "string" && s.note !== "" ? { note: s.note } : {}),
          source: built,
        },
        ctx.source,
        path,
      ),
    );
  }
  return selectors;
}

/**
 * A domain rotates when it sets `rotation`, or when it declares no selectors
 * and `defaults.rotation` exists. Fields fall back to defaults.rotation, then
 * to DEFAULT_POLICY (keys: [defaults.key]).
 */
/** Whether a domain is meant to rotate (whether or not its policy is valid). */
function wantsRotation(raw: unknown, defaults: Obj): boolean {
  const own = isObj(raw) && isObj(raw.rotation);
  const noSelectors = raw === null || (isObj(raw) && raw.selectors === undefined && raw.parked !== true && !isObj(raw.dmarc));
  return own || (isObj(defaults.rotation) && noSelectors);
}

/** Where a field of a domain's rotation policy is written: its own, defaults.rotation's, else its rotation or the domain itself. */
function rotationField(raw: unknown, defaults: Obj, path: PathKey[]): (field: string) => PathKey[] {
  const own = isObj(raw) && isObj(raw.rotation) ? raw.rotation : undefined;
  const base = isObj(defaults.rotation) ? defaults.rotation : undefined;
  return (field) =>
    own && own[field] !== undefined
      ? [...path, "rotation", field]
      : base && base[field] !== undefined
        ? ["defaults", "rotation", field]
        : own
          ? [...path, "rotation"]
          : path;
}

function rotationPolicy(raw: unknown, defaults: Obj, defaultKey: KeyAlgorithm, path: PathKey[], at: Report): RotationPolicy | undefined {
  if (!wantsRotation(raw, defaults)) return undefined;
  const own = isObj(raw) && isObj(raw.rotation) ? raw.rotation : undefined;
  const base = isObj(defaults.rotation) ? defaults.rotation : undefined;
  const where = rotationField(raw, defaults, path);
  const pick = (field: string): unknown => (own && own[field] !== undefined ? own[field] : base?.[field]);
  const durationOf = (field: "every" | "publishAhead" | "retireAfter" | "revokeFor"): number | undefined => {
    const v = pick(field);
    if (v === undefined) return DEFAULT_POLICY[field];
    return typeof v === "string" ? parseDuration(v) : undefined; // the shape check reports the rest
  };
  const every = durationOf("every");
  const publishAhead = durationOf("publishAhead");
  const retireAfter = durationOf("retireAfter");
  const revokeFor = durationOf("revokeFor");
  const keys = pick("keys");
  const selector = pick("selector");
  if (every === undefined || publishAhead === undefined || retireAfter === undefined || revokeFor === undefined) return undefined;
  if (keys !== undefined && (!Array.isArray(keys) || !keys.every((k) => KEY_ALGORITHMS.includes(k)))) return undefined;
  if (selector !== undefined && typeof selector !== "string") return undefined;
  const policy: RotationPolicy = {
    every,
    publishAhead,
    retireAfter,
    revokeFor,
    keys: (keys as KeyAlgorithm[] | undefined) ?? [defaultKey],
    selector: (selector as string | undefined) ?? DEFAULT_POLICY.selector,
  };
  const problems = policyProblems(policy);
  for (const p of problems) at(where(p.field), `rotation ${p.field} ${p.message}`);
  return problems.length ? undefined : policy;
}

/** Why a selector's TXT record is longer than its zone's provider holds; undefined when it fits (or is a CNAME). */
function recordTooLong(provider: ProviderName, source: SelectorSource, s: Obj): string | undefined {
  const limit = txtLimit(provider);
  if (!limit) return undefined;
  if (source.kind === "provided") return providedRecordProblem(limit, source.txt);
  if (source.kind !== "generated") return undefined;
  const opts = { testing: s.testing === true, ...(typeof s.note === "string" ? { note: s.note } : {}) };
  return generatedKeyProblem(limit, source.algorithm, opts, typeof s.key === "string" ? "key" : "defaults.key");
}

function buildSelector(s: Obj, path: PathKey[], at: Report, ctx: { defaultKey: KeyAlgorithm; warnings: (m: string) => void }): SelectorSource | undefined {
  const given = (["key", "txt", "cname"] as const).filter((k) => s[k] !== undefined);
  if (given.length > 1)
    at(
      [...path, given[1]],
      `a selector is published one way, but this one has ${given.join(" and ")}: keep exactly one of key (generated), txt (provided) or cname (delegated)`,
    );
  if (typeof s.note === "string") {
    const why = noteProblem(s.note);
    if (why) at([...path, "note"], `the note ${why}`);
  }
  // Each given way is checked, so that a conflict does not hide the problems of its values.
  const delegated = s.cname === undefined ? undefined : delegation(s, path, at);
  const provided = s.txt === undefined ? undefined : providedRecord(s, path, at);
  if (given.length > 1) return undefined;
  if (s.cname !== undefined) return delegated;
  if (s.txt !== undefined) return provided;
  const algorithm = (typeof s.key === "string" ? s.key : ctx.defaultKey) as KeyAlgorithm;
  if (typeof s.key === "string") {
    const w = algorithmWarning(algorithm);
    if (w) ctx.warnings(w);
  }
  return { kind: "generated", algorithm };
}

function delegation(s: Obj, path: PathKey[], at: Report): SelectorSource | undefined {
  for (const tag of ["testing", "note"] as const)
    if (s[tag] !== undefined)
      at([...path, tag], `'${tag}' does not apply to a delegated (cname) selector: the signing provider publishes its record; remove '${tag}'`);
  if (typeof s.cname !== "string") return undefined;
  const target = checkHostName(s.cname, "target");
  if (!target.ok) {
    at(
      [...path, "cname"],
      `the CNAME target '${excerpt(s.cname)}' ${target.reason}: give the host name from the signing provider, e.g. s1.domainkey.u1234.wl.sendgrid.net`,
    );
    return undefined;
  }
  return { kind: "delegated", cname: target.value };
}

function providedRecord(s: Obj, path: PathKey[], at: Report): SelectorSource | undefined {
  if (typeof s.txt !== "string") return undefined;
  const parsed = parseKeyRecord(joinQuoted(s.txt));
  if (!parsed.ok) {
    // The reason may quote parts of the value: capped.
    at([...path, "txt"], `the txt value is not a DKIM key record: it ${capText(parsed.reason)}`);
    return undefined;
  }
  let tags = parsed.tags;
  if (s.testing === true) tags = withTag(tags, "t", "y");
  if (typeof s.note === "string" && s.note !== "") tags = withTag(tags, "n", s.note);
  return { kind: "provided", txt: formatTags(tags) };
}

/**
 * Signing providers often show a key record already split and quoted
 * (`"v=DKIM1; k=rsa; " "p=MIIB..."`); accept that and join the strings.
 */
function joinQuoted(txt: string): string {
  const t = txt.trim();
  if (!t.startsWith('"')) return t;
  try {
    return joinTxt(parseQuotedTxt(t));
  } catch {
    return t; // unterminated quote: parseKeyRecord reports the stray quote
  }
}

/** One stack per zone, named from the zone: the names must not collide. */
/** Two zones whose stacks would share a name (dots and hyphens are alike in stack names), each stack of a key zone counted. */
function checkStackNames(zones: readonly Zone[], report: (zone: Zone, message: string) => void) {
  const seen = new Map<string, string>();
  for (const z of zones) {
    for (const s of zoneStackNames(z)) {
      const other = seen.get(s);
      if (other === undefined) seen.set(s, z.name);
      else if (other !== z.name) {
        report(z, `zones ${other} and ${z.name} would both have a stack '${s}'; dkimctl names stacks after zones with dots as hyphens`);
        break;
      }
    }
  }
}

function buildBackend(raw: unknown, at: Report): Backend {
  if (!isObj(raw)) return { kind: "local" };
  const kinds = Object.keys(raw).filter((k) => raw[k] !== undefined);
  if (kinds.length === 0) {
    at(["backend"], "backend is empty: give 's3: {bucket, region}' or 'cloud: {organization}', or remove 'backend' for local state");
    return { kind: "local" };
  }
  if (kinds.length > 1) {
    at(["backend", kinds[1]], `choose one backend, not ${kinds.join(" and ")}`);
    return { kind: "local" };
  }
  if (isObj(raw.s3)) {
    const s3 = raw.s3;
    return {
      kind: "s3",
      bucket: String(s3.bucket),
      region: String(s3.region),
      keyPrefix: typeof s3.keyPrefix === "string" ? s3.keyPrefix : "dkimctl/",
      ...(typeof s3.dynamodbTable === "string" ? { dynamodbTable: s3.dynamodbTable } : {}),
    };
  }
  if (isObj(raw.cloud)) {
    const c = raw.cloud;
    return {
      kind: "cloud",
      organization: String(c.organization),
      workspacePrefix: typeof c.workspacePrefix === "string" ? c.workspacePrefix : "dkimctl-",
      ...(typeof c.hostname === "string" ? { hostname: c.hostname } : {}),
    };
  }
  return { kind: "local" };
}

function zodProblems(source: YamlSource, issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path as PathKey[];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys": {
      const fields = knownFields(path);
      return issue.keys.map((k) => {
        const guess = didYouMean(k, fields);
        const hint = guess ? `did you mean '${guess}'?` : `known fields here: ${fields.join(", ")}`;
        return source.problem([...path, k], `unknown field '${excerpt(k)}': ${hint}`, "key");
      });
    }
    case "invalid_type":
      if (input === undefined)
        return [
          source.problem(
            path,
            `'${excerpt(String(path[path.length - 1]))}' is missing: add it (${issue.expected === "record" ? "a mapping" : issue.expected})`,
            "key",
          ),
        ];
      if (issue.expected === "boolean" && typeof input === "string")
        return [
          source.problem(
            path,
            `expected true or false, found the string ${excerptValue(input)}: use true or false (YAML 1.2 reads yes, no, on, off as strings)`,
          ),
        ];
      if (issue.expected === "string" && typeof input === "number" && DURATION_FIELDS.has(String(path[path.length - 1])))
        return [source.problem(path, `expected a duration, found the number ${input}: add a unit, e.g. ${input}d (w, d, h, m or s)`)];
      return [source.problem(path, `expected ${expectedName(issue.expected)}, found ${describe(input)}${issue.expected === "string" ? quoteHint(input) : ""}`)];
    case "invalid_value": {
      const allowed = issue.values.map((v) => String(v)).join(", ");
      if (input === undefined) return [source.problem(path, `'${path[path.length - 1]}' is missing: add it (one of ${allowed})`, "key")];
      const guess = typeof input === "string" ? didYouMean(input, issue.values.map(String)) : undefined;
      return [
        source.problem(path, `${excerptValue(input)} is not allowed: ${guess ? `did you mean '${guess}'? (one of ${allowed})` : `use one of ${allowed}`}`),
      ];
    }
    case "invalid_union": {
      // `false | {...}`: a mapping's own problems, else what would do.
      const branch = issue.errors.find((errs) => !errs.some((e) => e.path.length === 0 && (e.code === "invalid_type" || e.code === "invalid_value")));
      if (branch) return branch.flatMap((e) => zodProblems(source, { ...e, path: [...path, ...e.path] } as z.core.$ZodIssue));
      const wanted = issue.errors
        .flat()
        .map((e) => (e.code === "invalid_value" ? e.values.map(String).join(" or ") : e.code === "invalid_type" ? expectedName(e.expected) : ""));
      return [source.problem(path, `expected ${wanted.filter(Boolean).join(" or ")}, found ${describe(input)}`)];
    }
    case "too_small":
      return [
        source.problem(path, issue.origin === "string" ? "must not be empty" : `${excerptValue(input)} is too small: the minimum is ${String(issue.minimum)}`),
      ];
    case "too_big":
      return [source.problem(path, `${excerptValue(input)} is too large: the maximum is ${String(issue.maximum)}`)];
    default:
      return [source.problem(path, capText(issue.message))];
  }
}

/** The rotation policy's durations: a number there lacks its unit. */
const DURATION_FIELDS = new Set(["every", "publishAhead", "retireAfter", "revokeFor"]);

function expectedName(expected: string): string {
  if (expected === "int") return "a whole number";
  if (expected === "record" || expected === "object") return "a mapping";
  return `a ${expected}`;
}

/** For a scalar where a string belongs: YAML read `12345` or `true` as a number or boolean. */
function quoteHint(v: unknown): string {
  return typeof v === "number" || typeof v === "boolean" ? `; YAML read it as a ${typeof v}: put it in quotes` : "";
}

function describe(v: unknown): string {
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${excerptValue(v)}`;
  if (typeof v === "number") return `the number ${excerpt(String(v))}`;
  return `${typeof v} ${excerpt(String(v))}`;
}
