/**
 * Items joined as an English list, as `Intl.ListFormat("en")` writes it
 * ("A", "A and B", "A, B, and C"; "or" alike). Written out because the first
 * Intl.ListFormat of a process loads ICU's locale data (about 30 ms, a tenth
 * of `dkimctl validate`'s CPU) and each further one costs about 40 µs, which
 * a message built per domain pays ten thousand times.
 */
export function wordList(items: readonly string[], conjunction: "and" | "or"): string {
  if (items.length <= 2) return items.join(` ${conjunction} `);
  return `${items.slice(0, -1).join(", ")}, ${conjunction} ${items[items.length - 1]}`;
}
