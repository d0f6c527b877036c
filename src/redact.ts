/**
 * What a message may quote of a value from an input file: a short prefix,
 * never a private key. Every message that quotes input goes through here.
 */
import { createPrivateKey } from "node:crypto";

/** Characters of a value a message may quote. */
export const EXCERPT_CHARS = 24;

export const PRIVATE_KEY_MESSAGE =
  "this is a private key: never put it in domains.yaml; remove it from the file and from git history, and treat the key as compromised";

/** What a message says in place of a private key. */
const PRIVATE_KEY_PLACEHOLDER = "(a private key)";

const PEM_PRIVATE = /BEGIN [A-Z0-9 ]*PRIVATE KEY|PuTTY-User-Key-File-\d/;
const PEM_START = /(?:-+\s*)?BEGIN [A-Z0-9 ]*PRIVATE KEY/;
const PEM_BLOCK = new RegExp(`${PEM_START.source}[\\s\\S]*?(?:END [A-Z0-9 ]*PRIVATE KEY-*|$)`, "g");
/** Base64 long enough to hold a DER private key (an Ed25519 PKCS#8 key is 64 characters). */
const BASE64_RUN = /[A-Za-z0-9+/]{60,}={0,2}/g;
const DER_TYPES = ["pkcs8", "pkcs1", "sec1"] as const;

/** Whether `text` holds a private key: PEM armour, or base64 of a DER private key. */
export function isPrivateKey(text: string): boolean {
  return PEM_PRIVATE.test(text) || base64Keys(text).length > 0;
}

/** Where in `text` a private key starts (0 when it is split over several lines), or -1. */
export function privateKeyOffset(text: string): number {
  const pem = text.search(PEM_START);
  if (pem >= 0) return pem;
  if (PEM_PRIVATE.test(text)) return 0;
  const [key] = base64Keys(text, false);
  if (key !== undefined) return text.indexOf(key);
  return base64Keys(text).length ? 0 : -1;
}

/** Base64 runs in `text` that decode to a DER private key (with `joined`: whitespace and quotes between them ignored). */
function base64Keys(text: string, joined = true): string[] {
  if (text.length < 60) return [];
  return ((joined && SEPARATORS.test(text) ? text.replace(/[\s"']+/g, "") : text).match(BASE64_RUN) ?? []).filter(isDerPrivateKey);
}

const SEPARATORS = /[\s"']/;

function isDerPrivateKey(base64: string): boolean {
  // A private key is a SEQUENCE that starts with an INTEGER (its version); a
  // public key (SubjectPublicKeyInfo, as in p=) starts with a SEQUENCE. The
  // header is in the first 7 bytes (16 characters): only a run that passes is decoded whole.
  // A SEQUENCE (0x30) is `M` in base64: no other run is decoded at all.
  if (base64.charCodeAt(0) !== 0x4d) return false;
  const head = Buffer.from(base64.slice(0, 16), "base64");
  if (head[0] !== 0x30) return false;
  const header = head[1] < 0x80 ? 2 : 2 + (head[1] & 0x7f);
  if (head[header] !== 0x02) return false;
  const der = Buffer.from(base64, "base64");
  return DER_TYPES.some((type) => {
    try {
      createPrivateKey({ key: der, format: "der", type });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * At most `max` characters of `text` (control characters escaped, `…` when
 * cut), or a placeholder when it holds a private key. Callers add quotes.
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  if (isPrivateKey(text)) return PRIVATE_KEY_PLACEHOLDER;
  const chars = Array.from(text);
  const cut = chars.length > max ? `${chars.slice(0, max).join("")}…` : text;
  return escapeControls(cut);
}

/** A value of any type as a message may quote it: a string in double quotes, capped by `excerpt`. */
export function excerptValue(v: unknown): string {
  return typeof v === "string" ? `"${excerpt(v)}"` : excerpt(String(v));
}

/**
 * A message built by code that quotes input without capping it (e.g. a
 * library's error): private keys removed, every long word cut to a prefix,
 * the whole capped at `max` characters.
 */
export function capText(text: string, max = 160): string {
  const noKeys = text.replace(PEM_BLOCK, PRIVATE_KEY_PLACEHOLDER);
  const words = noKeys.replace(/\S{25,}/g, (w) => excerpt(w));
  return excerpt(words, max);
}

/** Removes private keys from text that may quote them (the last line of defence for messages). */
export function withoutPrivateKeys(text: string): string {
  let out = text.replace(PEM_BLOCK, PRIVATE_KEY_PLACEHOLDER);
  for (const key of base64Keys(out, false)) out = out.split(key).join(PRIVATE_KEY_PLACEHOLDER);
  return out;
}

const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Control characters (NUL, newlines, terminal escapes) written as escapes: a newline as backslash-n. */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
