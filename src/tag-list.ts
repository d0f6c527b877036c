/**
 * The `tag=value; ...` lists of DKIM key records (RFC 6376 3.2) and of DMARC
 * records (RFC 7489 6.4, which takes DKIM's syntax): items separated by `;`,
 * whitespace around a name and a value ignored, an empty item (`;;`, a
 * trailing `;`) skipped. The one reader of both, and of check-plan's and
 * verify's look at a published key's `p=`; each caller says what a problem
 * means for it (DKIM refuses the whole list, a DMARC receiver ignores the item).
 */

export interface TagListSyntax {
  /**
   * The whitespace ignored around names and values: `fws`, DKIM's folding
   * whitespace (spaces, tabs, line breaks; RFC 6376 2.8), or `wsp`, DMARC's
   * (spaces and tabs; RFC 7489 6.4).
   */
  readonly whitespace: "fws" | "wsp";
  /** Tag names compare ignoring case and are given lower-cased (DMARC), or compare exactly (DKIM, RFC 6376 3.2). */
  readonly ignoreCase: boolean;
}

/** DKIM key records and signatures (RFC 6376 3.2). */
export const DKIM_TAGS: TagListSyntax = { whitespace: "fws", ignoreCase: false };
/** DMARC records (RFC 7489 6.4). */
export const DMARC_TAGS: TagListSyntax = { whitespace: "wsp", ignoreCase: true };

export interface Tag {
  /** As written (lower-cased where the syntax ignores case), whitespace removed. */
  readonly name: string;
  /** Whitespace around it removed. */
  readonly value: string;
  /** The item's place in the list, empty items counted: 0 is the text before the first `;`. */
  readonly index: number;
}

/** Why an item is no tag, or is one too many; each carries the item's place in the list. */
export type TagProblem =
  /** No `=`: `text` is the item, whitespace removed. */
  | { readonly kind: "no-equals"; readonly text: string; readonly index: number }
  /** The name is not a letter followed by letters, digits and underscores (RFC 6376 3.2 tag-name). */
  | { readonly kind: "bad-name"; readonly name: string; readonly text: string; readonly index: number }
  /** A name given before: `first` is its first value (the one in `tags`), `value` this one. */
  | { readonly kind: "duplicate"; readonly name: string; readonly value: string; readonly first: string; readonly index: number };

export interface TagList {
  /** Each name's first tag, in list order. */
  readonly tags: readonly Tag[];
  /** Every problem, in list order (at most one per item). */
  readonly problems: readonly TagProblem[];
  /** The first value of a tag (the name lower case where the syntax ignores case). */
  get(name: string): string | undefined;
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const WHITESPACE = { fws: " \t\r\n", wsp: " \t" } as const;

/** Reads a tag list, collecting every problem; never throws. */
export function parseTagList(text: string, syntax: TagListSyntax): TagList {
  const space = WHITESPACE[syntax.whitespace];
  // By index, not by a regular expression: a key record's p= is hundreds of characters, trimmed at both ends.
  const trim = (s: string) => {
    let [start, end] = [0, s.length];
    while (start < end && space.includes(s[start])) start++;
    while (end > start && space.includes(s[end - 1])) end--;
    return s.slice(start, end);
  };
  const tags: Tag[] = [];
  const problems: TagProblem[] = [];
  const first = new Map<string, string>();
  for (const [index, raw] of text.split(";").entries()) {
    const item = trim(raw);
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq < 0) {
      problems.push({ kind: "no-equals", text: item, index });
      continue;
    }
    const written = trim(item.slice(0, eq));
    const name = syntax.ignoreCase ? written.toLowerCase() : written;
    const value = trim(item.slice(eq + 1));
    if (!TAG_NAME.test(name)) problems.push({ kind: "bad-name", name: written, text: item, index });
    else if (first.has(name)) problems.push({ kind: "duplicate", name, value, first: first.get(name)!, index });
    else {
      first.set(name, value);
      tags.push({ name, value, index });
    }
  }
  return { tags, problems, get: (name) => first.get(name) };
}
