/**
 * The lock's text in the one form dkimctl writes it (Lock.toString), read
 * without a YAML parser: a lock of 20,000 keys is 5 MB, and its YAML read
 * (js-yaml, and the fast read's checks of the text) took ~220 ms of the
 * ~440 ms of reading the lock; this takes ~80 ms. It reads that form only, to
 * the data the YAML read makes of it, and declines every other text
 * (undefined), which the YAML read then takes as before, with its positions
 * and messages. A lock is in that form unless edited by hand:
 *
 * - comment lines only at the top (the header);
 * - `version: <n>`, and `keys:` and `customers:` each followed by a mapping
 *   indented two spaces, or `{}`, at the top level; nothing else there;
 * - under those, names at two spaces and at four, each with a mapping under
 *   it, and at six spaces the fields `name: value`;
 * - every name and value a plain scalar of letters, digits and `+/=._-`
 *   (not `-` or `=` first; inner `:` too, as in `sha256:…`), resolved as the YAML core schema
 *   resolves it (`1` a number); a name that would not read as a string;
 * - no blank line, tab, trailing space, carriage return, quote, flow
 *   collection (but the `{}` above), tag, anchor, alias, duplicate name.
 *
 * test/lock-text.test.ts holds it to the YAML read's data over every lock
 * the writer makes and over damaged ones.
 */
import { plainScalar } from "../config/fast-yaml";

/**
 * A plain scalar that reads the same as a key or a value on a block mapping
 * line (YAML 1.2.2 7.3.3): no indicator first (base64 may start with `+` or
 * `/`, which are none), no `: `, ` #` or space, no `:` last. Sticky: matched
 * where it is set to start (lastIndex) in the whole text, so that no line is
 * copied to be read.
 */
const PLAIN_AT = /[A-Za-z0-9+/._][A-Za-z0-9+/=._-]*(?::[A-Za-z0-9+/=._-]+)*/y;
const SECTIONS = new Set(["keys", "customers"]);
const INDENT = 2;

type Mapping = Record<string, unknown>;

/** The end of the plain scalar at `from` in `text`, or -1 when none starts there. */
function plainEnd(text: string, from: number): number {
  PLAIN_AT.lastIndex = from;
  return PLAIN_AT.test(text) ? PLAIN_AT.lastIndex : -1;
}

/** A plain name as a key reads, or undefined when it would read as a number, boolean or null. */
function nameOf(text: string): string | undefined {
  return typeof plainScalar(text) === "string" ? text : undefined;
}

/** Sets `key` in `map` unless it is there already (a duplicate, which the YAML read reports). */
function setNew(map: Mapping, key: string, value: unknown): boolean {
  if (Object.hasOwn(map, key)) return false;
  map[key] = value;
  return true;
}

/** The data of a lock's text in the form dkimctl writes, or undefined for any other text. */
export function readLockText(text: string): { readonly data: unknown } | undefined {
  const data: Mapping = {};
  /** The open mapping at each depth (0: the top level). */
  const open: (Mapping | undefined)[] = [data, undefined, undefined, undefined];
  /** The depth the next line must have (a name's mapping has at least one line), or -1. */
  let expected = -1;
  let start = 0;
  let header = true;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    if (header && text.charCodeAt(lineStart) === 0x23 /* # */) continue;
    header = false;
    let at = lineStart;
    while (text.charCodeAt(at) === 0x20) at++;
    const depth = (at - lineStart) / INDENT;
    const parent = open[depth];
    if (parent === undefined || (expected >= 0 && depth !== expected)) return undefined;
    for (let d = depth + 1; d < open.length; d++) open[d] = undefined;
    const nameEnd = plainEnd(text, at);
    if (nameEnd < 0 || text.charCodeAt(nameEnd) !== 0x3a /* : */) return undefined;
    const name = nameOf(text.slice(at, nameEnd));
    if (name === undefined) return undefined;
    if (nameEnd + 1 === end && depth < 3) {
      // A name with a mapping under it: a section at the top, a domain or customer, a selector or slot.
      if (depth === 0 && !SECTIONS.has(name)) return undefined;
      const child: Mapping = {};
      if (!setNew(parent, name, child)) return undefined;
      open[depth + 1] = child;
      expected = depth + 1;
      continue;
    }
    // A field: `version`, an empty section, or a key's field.
    const valueStart = nameEnd + 2;
    if (text.charCodeAt(nameEnd + 1) !== 0x20) return undefined;
    let value: unknown;
    if (depth === 3 || (depth === 0 && name === "version")) {
      if (plainEnd(text, valueStart) !== end) return undefined;
      value = plainScalar(text.slice(valueStart, end));
    } else if (depth === 0 && SECTIONS.has(name) && end - valueStart === 2 && text.startsWith("{}", valueStart)) value = {};
    else return undefined;
    if (!setNew(parent, name, value)) return undefined;
    expected = -1;
  }
  return expected < 0 && Object.hasOwn(data, "version") ? { data } : undefined;
}
