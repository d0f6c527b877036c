/**
 * The fast read of a YAML file: its plain data, without positions, or
 * undefined wherever the position-keeping parse (yaml-source.ts, the `yaml`
 * package) must read it. js-yaml builds the data of a 5 MB domains.yaml in
 * about a twentieth of the time `yaml` takes to build its document; the data
 * must then be exactly what `yaml` would make, so this reads only a subset of
 * YAML where the two agree and declines everything else:
 *
 * - scalars resolve as the `yaml` package resolves them (CORE_SCALARS);
 * - no directives (`%YAML 1.1` changes the schema), tags, anchors or aliases,
 *   explicit keys (`? `), null keys (`yaml` makes them "", js-yaml "null"),
 *   tabs that start a line (`yaml` refuses some that js-yaml reads), flow
 *   collections as keys, block scalars with an indentation indicator, quoted
 *   scalars over several lines, lone carriage returns, or lines over 1024
 *   characters (`yaml` refuses longer implicit keys): each is found by a text pattern that may also
 *   match inside a quoted value, which only sends that file the slow way;
 * - whatever js-yaml refuses (syntax errors, duplicate keys, several
 *   documents, an empty file) is left to `yaml`, which says where.
 *
 * test/fast-yaml.test.ts holds the two parsers to the same data over
 * generated documents and over every input of the bad-input tests.
 */
import { FAILSAFE_SCHEMA, load, Type } from "js-yaml";

/**
 * The YAML 1.2 core schema's tag resolution of plain scalars (YAML 1.2.2,
 * 10.3.2), in the order and with the values of the `yaml` package's core
 * tags, which the fast read must match: js-yaml's own core schema reads
 * `0b101`, `+.5` and `1e400` otherwise. Written out rather than taken from
 * `yaml`, so that a valid file never loads `yaml`.
 */
const CORE_SCALARS: readonly [RegExp, (text: string) => unknown][] = [
  [/^(?:~|[Nn]ull|NULL)?$/, () => null],
  [/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (t) => t[0] === "t" || t[0] === "T"],
  [/^0o[0-7]+$/, (t) => parseInt(t.slice(2), 8)],
  [/^[-+]?[0-9]+$/, (t) => parseInt(t, 10)],
  [/^0x[0-9a-fA-F]+$/, (t) => parseInt(t.slice(2), 16)],
  [/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/, (t) => (t.slice(-3).toLowerCase() === "nan" ? NaN : t[0] === "-" ? -Infinity : Infinity)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, (t) => parseFloat(t)],
  [/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/, (t) => parseFloat(t)],
];

/** Plain scalars that may resolve to something other than a string start with one of these (see CORE_SCALARS). */
const NOT_ALWAYS_STRING = /^[-+.0-9~nNtTfF]/;

/**
 * A plain scalar's value under the YAML 1.2 core schema, as the `yaml`
 * package resolves it (CORE_SCALARS): `1` a number, `true` a boolean, `~` or
 * an empty scalar null, any other text itself. For readers of a fixed shape
 * of YAML (src/keys/lock-text.ts) that must make the data the fast read makes.
 */
export function plainScalar(text: string): unknown {
  if (text !== "" && !NOT_ALWAYS_STRING.test(text)) return text;
  for (const [pattern, value] of CORE_SCALARS) if (pattern.test(text)) return value(text);
  return text;
}

/** Whether a plain scalar resolves to something other than a string. */
const notString = (text: string) => (text === "" || NOT_ALWAYS_STRING.test(text)) && CORE_SCALARS.some(([pattern]) => pattern.test(text));

// One implicit type for all of CORE_SCALARS: js-yaml asks each implicit type of every plain scalar, and nearly all are strings.
const CORE = FAILSAFE_SCHEMA.extend({
  implicit: [
    new Type("tag:dkimctl,2026:core", {
      kind: "scalar",
      resolve: (text: string | null) => notString(text ?? ""),
      construct: (text: string | null) => plainScalar(text ?? ""),
    }),
  ],
});

/** Text that the fast read leaves to `yaml`: directives, lone CRs, tags, anchors and aliases, explicit keys, null keys. */
const DECLINED = [
  /^%/m,
  /^ *\t/m,
  /\r(?!\n)/,
  /(?:^|[\s[\]{},:?-])[!&*]/m,
  /(?:^|[\s[{,])\?(?:[ \t\r\n]|$)/m,
  /(?:^|[\s{,[])(?:~|null|Null|NULL)?[ \t]*:(?:[ \t\r\n]|$)/m,
  /[\]}][ \t]*:(?:[ \t\r\n]|$)/,
  /[|>][+-]?[1-9]/,
  // A comment right after a quote or bracket: yaml wants a space before '#', js-yaml does not.
  /["'\]}]#/,
  // An empty sequence entry (`- -`, or `-` alone on its line): js-yaml may put the next entry into it.
  /(?:^|[ \t])-[ \t]*$/m,
];
const MAX_LINE = 1024;

/**
 * Whether a line is over MAX_LINE characters or ends inside a quoted scalar
 * (a quoted scalar over several lines: `yaml` holds its lines to the
 * indentation rules that js-yaml does not). A quote inside a plain scalar
 * counts as one that opens: such a file only goes the slow way.
 */
function hasLongOrOpenLine(text: string): boolean {
  // Character codes, not one-character strings: this reads every character of a 6 MB file.
  const NL = 0x0a;
  const DQ = 0x22;
  const SQ = 0x27;
  const BACKSLASH = 0x5c;
  const HASH = 0x23;
  const SPACE = 0x20;
  const TAB = 0x09;
  let lineStart = 0;
  let quote = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? NL : text.charCodeAt(i);
    if (c === NL) {
      if (quote !== 0 || i - lineStart > MAX_LINE) return true;
      lineStart = i + 1;
    } else if (quote === DQ) {
      if (c === BACKSLASH && text.charCodeAt(i + 1) !== NL) i++;
      else if (c === DQ) quote = 0;
    } else if (quote === SQ) {
      if (c === SQ && text.charCodeAt(i + 1) === SQ) i++;
      else if (c === SQ) quote = 0;
    } else if (c === DQ || c === SQ) quote = c;
    else if (c === HASH && (i === lineStart || text.charCodeAt(i - 1) === SPACE || text.charCodeAt(i - 1) === TAB)) {
      const end = text.indexOf("\n", i);
      i = (end < 0 ? text.length : end) - 1;
    }
  }
  return false;
}

/** The data of `text` as `yaml`'s parse and toJS would make it, or undefined when `yaml` must read it. */
export function fastYaml(text: string): { readonly data: unknown } | undefined {
  if (DECLINED.some((p) => p.test(text)) || hasLongOrOpenLine(text)) return undefined;
  let data: unknown;
  try {
    data = load(text, { schema: CORE });
  } catch {
    return undefined;
  }
  // An empty document: js-yaml says undefined, yaml null; yaml says it.
  return data === undefined ? undefined : { data };
}
