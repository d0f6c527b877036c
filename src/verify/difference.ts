/**
 * Where a published TXT value first differs from the expected one, and the
 * same window of both around it, so a key that differs in the middle is not
 * shown as two identical shortened values. Offsets count characters (code
 * points) of the joined value.
 */

export interface Difference {
  /** 0-based offset of the first character that differs (the shorter value's length when one is the other's start). */
  readonly at: number;
  /** The tag the offset falls in, e.g. `p` (undefined outside a `tag=value`). */
  readonly tag?: string;
  readonly expectedLength: number;
  readonly foundLength: number;
  /** Both values cut at the same offsets around `at`, `...` marking a cut. */
  readonly expected: string;
  readonly found: string;
}

/** Characters shown before the first difference, and from it on. */
const BEFORE = 24;
const AFTER = 24;

/** The first difference of two values; undefined when they are equal. */
export function firstDifference(expected: string, found: string): Difference | undefined {
  if (expected === found) return undefined;
  const [e, f] = [Array.from(expected), Array.from(found)];
  let at = 0;
  while (at < e.length && at < f.length && e[at] === f[at]) at++;
  const start = Math.max(0, at - BEFORE);
  const end = at + AFTER;
  const cut = (chars: string[]) => `${start > 0 ? "..." : ""}${chars.slice(start, end).join("")}${end < chars.length ? "..." : ""}`;
  return { at, tag: tagAt(e, at), expectedLength: e.length, foundLength: f.length, expected: cut(e), found: cut(f) };
}

/** The name of the `tag=value` (a DKIM or DMARC tag list) that character `at` lies in. */
function tagAt(chars: readonly string[], at: number): string | undefined {
  const before = chars.slice(0, at).join("");
  const spec = before.slice(before.lastIndexOf(";") + 1);
  const eq = spec.indexOf("=");
  if (eq < 0) return undefined;
  const tag = spec.slice(0, eq).trim();
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(tag) ? tag : undefined;
}
