/**
 * DKIM key records (RFC 6376 3.6.1): building the TXT value of a key, and
 * parsing and normalising a value someone else provided.
 */
import { createPublicKey } from "node:crypto";
import type { KeyType } from "./keys";
import { excerpt } from "../redact";
import { DKIM_TAGS, parseTagList } from "../tag-list";

export interface KeyRecordOptions {
  /** `t=y`: the domain is testing DKIM (RFC 6376 3.6.1). @default false */
  readonly testing?: boolean;
  /** `n=`: a note for humans. @default none */
  readonly note?: string;
}

/** Characters allowed in a note: printable ASCII except `;` (tag separator), `"` and `\` (quoting). */
export const NOTE_PATTERN = /^[\x20-\x7e]*$/;
const NOTE_FORBIDDEN = /[;"\\]/;

export function noteProblem(note: string): string | undefined {
  if (!NOTE_PATTERN.test(note)) return "may hold printable ASCII only";
  if (NOTE_FORBIDDEN.test(note)) return "may not contain ';', '\"' or '\\'";
  if (note.length > 200) return "is longer than 200 characters; keep notes short, they are published in DNS";
  return undefined;
}

/** `v=DKIM1; k=<type>; [t=y; ][n=<note>; ]p=<key>` */
export function keyRecordValue(type: KeyType, publicKey: string, opts: KeyRecordOptions = {}): string {
  // Concatenated, not joined from a list of tags: made for each of 20,000 keys of a large project.
  let tags = `v=DKIM1; k=${type}; `;
  if (opts.testing) tags += "t=y; ";
  if (opts.note !== undefined && opts.note !== "") tags += `n=${opts.note}; `;
  return `${tags}p=${publicKey}`;
}

export type ParsedKeyRecord = { ok: true; tags: [string, string][]; keyType: KeyType; publicKey: string } | { ok: false; reason: string };

/**
 * Parses a DKIM key record. Whitespace inside `p=` is removed (it is folding
 * whitespace per RFC 6376 3.6.1). Checks the key really is an RSA SPKI or a
 * 32-byte Ed25519 key; an empty `p=` (a revoked key) is accepted.
 */
export function parseKeyRecord(value: string): ParsedKeyRecord {
  if (!/^[\x20-\x7e\t\r\n]*$/.test(value)) return { ok: false, reason: "may hold printable ASCII only" };
  if (/["\\]/.test(value)) return { ok: false, reason: "contains a quote or backslash; give the record's text without DNS quoting" };
  const list = parseTagList(value, DKIM_TAGS);
  const problem = list.problems[0];
  if (problem?.kind === "no-equals") return { ok: false, reason: `has '${excerpt(problem.text)}' where a tag=value pair belongs` };
  if (problem?.kind === "bad-name") return { ok: false, reason: `has an invalid tag name '${excerpt(problem.name)}'` };
  if (problem?.kind === "duplicate") return { ok: false, reason: `has the tag '${excerpt(problem.name)}=' twice (RFC 6376 3.2 forbids duplicates)` };
  const tags = list.tags.map(({ name, value }): [string, string] => [name, name === "p" ? value.replace(/\s+/g, "") : value]);
  const get = (t: string) => tags.find(([k]) => k === t)?.[1];
  const v = get("v");
  if (v !== undefined && (tags[0][0] !== "v" || v !== "DKIM1")) return { ok: false, reason: "must start with v=DKIM1 when it has a v= tag" };
  const k = get("k") ?? "rsa";
  if (k !== "rsa" && k !== "ed25519") return { ok: false, reason: `has k=${excerpt(k)}; DKIM keys are k=rsa or k=ed25519` };
  const p = get("p");
  if (p === undefined) return { ok: false, reason: "has no p= tag (the public key)" };
  if (p !== "") {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(p) || p.length % 4 !== 0) return { ok: false, reason: "has a p= value that is not valid base64" };
    const bytes = Buffer.from(p, "base64");
    if (k === "ed25519") {
      if (bytes.length !== 32) return { ok: false, reason: `has an Ed25519 p= of ${bytes.length} bytes; RFC 8463 keys are 32 raw bytes` };
    } else {
      const why = rsaKeyProblem(p, bytes);
      if (why) return { ok: false, reason: why };
    }
  }
  const t = get("t");
  if (t !== undefined && !/^[ys](:[ys])*$/.test(t.replace(/\s/g, ""))) return { ok: false, reason: `has t=${excerpt(t)}; flags are y and s, separated by ':'` };
  return { ok: true, tags, keyType: k, publicKey: p };
}

/** Normalised text of parsed tags: `tag=value` joined by `; `. */
export function formatTags(tags: readonly [string, string][]): string {
  return tags.map(([k, v]) => `${k}=${v}`).join("; ");
}

/** Sets or removes a tag, keeping `p=` last and `v=` first. */
export function withTag(tags: readonly [string, string][], tag: string, value: string | undefined): [string, string][] {
  const rest = tags.filter(([k]) => k !== tag);
  if (value === undefined) return rest;
  const pIndex = rest.findIndex(([k]) => k === "p");
  const at = pIndex < 0 ? rest.length : pIndex;
  return [...rest.slice(0, at), [tag, value], ...rest.slice(at)];
}

/** Providers often publish one key for many domains: check each distinct p= once. */
const rsaChecked = new Map<string, string | undefined>();

function rsaKeyProblem(p: string, bytes: Buffer): string | undefined {
  if (rsaChecked.has(p)) return rsaChecked.get(p);
  let why: string | undefined;
  try {
    const key = createPublicKey({ key: bytes, format: "der", type: "spki" });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== "rsa") why = `has k=rsa but p= holds a ${key.asymmetricKeyType} key`;
    else if (bits < 1024) why = `holds a ${bits}-bit RSA key; RFC 8301 requires at least 1024 bits`;
  } catch {
    why = "has a p= value that is not an RSA public key (base64 of a SubjectPublicKeyInfo)";
  }
  rsaChecked.set(p, why);
  return why;
}

/** The p= of a DKIM key record as a verifier reads it (the first p=, folding whitespace removed); undefined when it has none. */
export function publicKeyOf(value: string): string | undefined {
  return parseTagList(value, DKIM_TAGS).get("p")?.replace(/\s+/g, "");
}

/** Shortens the p= of a record for human eyes: the lock and json/zone output hold it whole. */
export function abbreviate(value: string, keep = 12): string {
  return value.replace(/p=([A-Za-z0-9+/=]{40,})/, (_, p: string) => `p=${p.slice(0, keep)}...${p.slice(-keep)}`);
}
