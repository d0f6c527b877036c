/**
 * TXT character-strings: the one place where a logical TXT value is split
 * into the strings that DNS publishes (RFC 1035 3.3: each at most 255
 * octets) and joined back (RFC 6376 3.6.2.2: a verifier concatenates them).
 */

/** Largest character-string DNS allows, in octets. */
export const MAX_STRING_BYTES = 255;

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Splits `value` into character-strings of at most `max` bytes each.
 * Splits on byte boundaries of the UTF-8 encoding but never inside a
 * multi-byte character. An empty value is one empty string.
 */
export function splitTxt(value: string, max: number = MAX_STRING_BYTES): string[] {
  if (max < 4) throw new RangeError(`max must be at least 4 bytes, got ${max}`);
  // ASCII (every key record): a character is a byte, and the strings are slices of the value, not copies
  // (20,000 records' strings would otherwise take another 8 MB; issue #20).
  if (ASCII.test(value)) {
    const strings: string[] = [];
    for (let start = 0; start < value.length; start += max) strings.push(value.slice(start, start + max));
    return strings.length ? strings : [""];
  }
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length === 0) return [""];
  const strings: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + max, bytes.length);
    // Back off continuation bytes (10xxxxxx) so a character is never cut.
    while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
    strings.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
  }
  return strings;
}

/** Joins character-strings the way a DKIM verifier does (no separator). */
export function joinTxt(strings: readonly string[]): string {
  return strings.join("");
}

/**
 * Zone-file form: each string quoted, `"` and `\` escaped, separated by
 * `separator` (some providers take them joined with none: `"a""b"`).
 */
export function quoteTxt(strings: readonly string[], separator = " "): string {
  return strings.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(separator);
}

/**
 * Parses a presentation-format TXT rdata (`"a" "b"`, or bare words) into its
 * character-strings, handling `\"`, `\\` and `\DDD` escapes. Throws on an
 * unterminated quote.
 */
export function parseQuotedTxt(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const quoted = text[i] === '"';
    if (quoted) i++;
    let s = "";
    for (;;) {
      if (i >= n) {
        if (quoted) throw new SyntaxError(`unterminated quoted string in ${JSON.stringify(text)}`);
        break;
      }
      const c = text[i];
      if (quoted && c === '"') {
        i++;
        break;
      }
      if (!quoted && /\s/.test(c)) break;
      if (c === "\\") {
        const digits = text.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(digits)) {
          s += String.fromCharCode(parseInt(digits, 10));
          i += 4;
        } else {
          s += text[i + 1] ?? "";
          i += 2;
        }
        continue;
      }
      s += c;
      i++;
    }
    out.push(s);
  }
  return out;
}
