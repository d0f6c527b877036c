/**
 * YAML parsing that keeps positions, so every problem can name its line and
 * column. A file the fast read takes (fast-yaml.ts: most valid files) is
 * parsed with positions only when a problem must be located.
 */
import { basename } from "node:path";
import type { Alias, Document, LineCounter, Node, Pair, YAMLMap } from "yaml";
import type { Position } from "./model";
import { InputError, type Problem } from "./problems";
import { commandHint } from "../command-hint";
import { capText, excerpt, isPrivateKey, PRIVATE_KEY_MESSAGE, privateKeyOffset } from "../redact";
import { checkHostName } from "../dns/host-name";
import { fastYaml } from "./fast-yaml";
import { readUtf8 } from "../read-utf8";

export type PathKey = string | number;

/** A text's plain data without positions, or undefined where the position-keeping parse must read it (fast-yaml.ts). */
export type FastRead = (text: string) => { readonly data: unknown } | undefined;

const INIT = commandHint("init");

/** The `yaml` package, loaded for a file parsed with positions: a valid file that the fast read takes never needs it. */
const yaml = (): typeof import("yaml") => require("yaml");

/** A document with positions, and the line index its offsets are read with. */
interface Positions {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

function parseWithPositions(text: string): Positions {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  // yaml's own duplicate-key check compares each key with every earlier one
  // (quadratic in a 10,000-domain file); duplicateKeys() does it with a Set.
  return { doc: parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true }), lines };
}

export class YamlSource {
  private positions?: Positions;

  private constructor(
    readonly file: string,
    private readonly text: string,
    /** The data as the fast read made it; undefined when the document with positions is read instead, or once released. */
    private fast?: { readonly data: unknown },
  ) {}

  /**
   * Drops the fast read's data, once the caller has made from it all it
   * needs: the objects made from a file keep their source (for positions)
   * for as long as they live, and the data would live on beside them (of a
   * 10,000-domain file, 3 MB of the 37 MB the loaded config holds: its
   * strings are shared with the config). Positions are found in the text,
   * parsed again, as before.
   */
  release(): void {
    this.fast = undefined;
  }

  /** The document with positions, parsed on first use when the fast read took the file. */
  get doc(): Document.Parsed {
    return this.parsed().doc;
  }

  private parsed(): Positions {
    this.positions ??= parseWithPositions(this.text);
    return this.positions;
  }

  /**
   * Parses `text`; YAML syntax errors (duplicate keys among them) become problems.
   * `fast`: the fast read (fastYaml, or a reader of one file's fixed form that falls back to it).
   */
  static parse(file: string, text: string, fast: FastRead = fastYaml): { source: YamlSource; problems: Problem[] } {
    const nul = text.indexOf("\0");
    if (nul >= 0) return YamlSource.notText(file, text.slice(0, nul), "it holds NUL bytes (UTF-16?)");
    const read = fast(text);
    if (read) return { source: new YamlSource(file, text, read), problems: [] };
    const source = new YamlSource(file, text);
    const { doc } = source.parsed();
    // A file that does not parse may hold a private key where no node shows it:
    // say so, and let no syntax error quote the text around it.
    const secret = doc.errors.length > 0 && isPrivateKey(text);
    const found = [
      ...syntaxProblems(text, doc, secret),
      ...duplicateKeys(doc),
      ...(secret ? [{ offset: Math.max(0, privateKeyOffset(text)), message: PRIVATE_KEY_MESSAGE }] : []),
    ];
    const problems = found.sort((a, b) => a.offset - b.offset).map(({ offset, message }) => source.at(offset, [], message));
    return { source, problems };
  }

  /** Reads `file` as UTF-8 (a UTF-8 BOM is dropped); bytes that are not UTF-8 text are one problem. */
  static read(file: string, fast: FastRead = fastYaml): { source: YamlSource; problems: Problem[] } {
    const read = readUtf8(file);
    if ("text" in read) return YamlSource.parse(file, read.text, fast);
    if ("notUtf8" in read)
      return YamlSource.notText(
        file,
        read.notUtf8.before,
        read.notUtf8.utf16 ? "it starts with a UTF-16 byte order mark" : "it holds bytes that are not UTF-8",
      );
    const why =
      read.unreadable === "ENOENT"
        ? `no such file; check the path given (--config or DKIMCTL_CONFIG), or start a project with ${INIT}`
        : `cannot read it (${read.unreadable})`;
    return { source: YamlSource.parse(file, "").source, problems: [{ file, line: 1, col: 1, path: "", message: why }] };
  }

  /** The one problem of a file that is not UTF-8 text, at the first offending character (`before` is the text up to it). */
  private static notText(file: string, before: string, why: string): { source: YamlSource; problems: Problem[] } {
    const line = before.split("\n").length;
    const col = before.length - before.lastIndexOf("\n");
    const message = `not UTF-8 text: ${why}; save the file as UTF-8`;
    return { source: YamlSource.parse(file, "").source, problems: [{ file, line, col, path: "", message }] };
  }

  /** The document as plain data; an alias bomb (too many aliases) is a problem at the first alias. */
  toJS(): unknown {
    if (this.fast) return this.fast.data;
    try {
      return this.doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      if (!(e instanceof ReferenceError)) throw e;
      let first: Alias | undefined;
      const { visit } = yaml();
      visit(this.doc, {
        Alias: (_, node) => {
          first = node;
          return visit.BREAK;
        },
      });
      const pos = this.parsed().lines.linePos((first as Alias | undefined)?.range?.[0] ?? 0);
      const message = `too many YAML aliases (${capText(e.message, 80)}): ${basename(this.file)} needs no anchors or aliases; write the values out`;
      throw new InputError([{ file: this.file, line: pos.line, col: pos.col, path: "", message }]);
    }
  }

  /**
   * Problems of single nodes that hold their own data fine but must not be
   * there: YAML tags (other than the core ones) and pasted private keys. One
   * problem per node; `path` of each is what `problem()` gives, so callers can
   * leave out their own problems at the same node.
   */
  nodeProblems(): Problem[] {
    // The fast read took no file with tags; a string that holds a private key is located in the document with positions.
    if (this.fast && !holdsPrivateKey(this.fast.data)) return [];
    const out: Problem[] = [];
    const { isMap, isNode, isScalar, isSeq } = yaml();
    const check = (node: unknown, path: PathKey[]) => {
      if (!isNode(node)) return;
      const n = node;
      if (n.tag !== undefined && !CORE_TAGS.has(n.tag)) {
        const shown = this.doc.directives?.tagString(n.tag) ?? n.tag;
        const start = n.range?.[0] ?? 0;
        const tagAt = this.text.lastIndexOf(shown, start);
        out.push(
          this.at(
            tagAt >= 0 && start - tagAt < shown.length + 80 ? tagAt : start,
            path,
            `YAML tags are not used in ${basename(this.file)}: remove '${excerpt(shown)}'`,
          ),
        );
      } else if (isScalar(n) && typeof n.value === "string" && isPrivateKey(n.value)) {
        out.push(this.at(n.range?.[0] ?? 0, path, PRIVATE_KEY_MESSAGE));
      }
    };
    const walk = (node: unknown, path: PathKey[]) => {
      check(node, path);
      if (isMap(node))
        for (const pair of node.items) {
          const keyPath = [...path, keyText(pair)];
          check(pair.key, keyPath);
          walk(pair.value, keyPath);
        }
      else if (isSeq(node)) for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    };
    walk(this.doc.contents, []);
    return out;
  }

  private at(offset: number, path: readonly PathKey[], message: string): Problem {
    const pos = this.parsed().lines.linePos(offset);
    return { file: this.file, line: pos.line, col: pos.col, path: pathText(path), message };
  }

  /** A problem at the node for `path` (its key with `at: 'key'`), falling back to the nearest ancestor that exists. */
  problem(path: readonly PathKey[], message: string, at: "value" | "key" = "value"): Problem {
    let offset = 0;
    for (let n = path.length; n >= 0; n--) {
      const found = this.locate(path.slice(0, n), n === path.length ? at : "value");
      if (found !== undefined) {
        offset = found;
        break;
      }
    }
    return this.at(offset, path, message);
  }

  /** Per mapping, its pairs by key (first occurrence), so a lookup is not a scan of 10,000 domains. */
  private readonly index = new WeakMap<YAMLMap, Map<string, Pair>>();

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let byKey = this.index.get(map);
    if (!byKey) {
      byKey = new Map();
      for (const p of map.items) {
        const k = keyText(p);
        if (!byKey.has(k)) byKey.set(k, p);
      }
      this.index.set(map, byKey);
    }
    return byKey.get(key);
  }

  private locate(path: readonly PathKey[], at: "value" | "key"): number | undefined {
    const { isMap, isSeq } = yaml();
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const key of path) {
      if (isMap(node)) {
        const pair = this.pairOf(node, String(key));
        if (!pair) return undefined;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        keyNode = node.items[key];
        node = node.items[key];
      } else return undefined;
    }
    const target = (at === "key" ? keyNode : (node ?? keyNode)) as Node | undefined;
    return target?.range?.[0];
  }
}

/** Whether a key or a string value anywhere in `data` holds a private key. */
function holdsPrivateKey(data: unknown): boolean {
  if (typeof data === "string") return isPrivateKey(data);
  if (Array.isArray(data)) return data.some(holdsPrivateKey);
  if (typeof data === "object" && data !== null) {
    // for...in, not Object.entries: no array per mapping (30,000 of them in a large project).
    const map = data as Record<string, unknown>;
    for (const k in map) if (isPrivateKey(k) || holdsPrivateKey(map[k])) return true;
  }
  return false;
}

/** A plain mapping of the data: not a list, nor what a YAML tag makes (a Set, a Map, a Date, bytes). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const prototype = Object.getPrototypeOf(v);
  return prototype === Object.prototype || prototype === null;
}

const keyText = (p: Pair): string => String(yaml().isScalar(p.key) ? (p.key as { value: unknown }).value : p.key);

/** Tags that only say what YAML already reads (`!!str 5`); every other tag is refused. */
const CORE_TAGS = new Set(["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * A path as problems show it, e.g. `domains/example.com/selectors/s1`: keys
 * shaped like names are shown whole, any other key only as a short excerpt.
 */
export function pathText(path: readonly PathKey[]): string {
  return path.map((k) => (checkHostName(String(k), "path").ok ? String(k) : excerpt(String(k)))).join("/");
}

/** Keys that appear twice in one mapping: the second occurrence of each. */
function duplicateKeys(doc: Document.Parsed): { offset: number; message: string }[] {
  const out: { offset: number; message: string }[] = [];
  yaml().visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const p of map.items) {
        const k = keyText(p);
        if (seen.has(k)) out.push({ offset: (p.key as Node | null)?.range?.[0] ?? 0, message: yamlMessage("DUPLICATE_KEY", "") });
        seen.add(k);
      }
    },
  });
  return out;
}

/**
 * The YAML errors as problems. A value pasted as a signing provider shows a
 * split TXT record (`txt: "v=DKIM1; k=rsa; p=..." "..."`, on one line or
 * continued on the next) is several quoted strings, which YAML cannot read:
 * one problem at the value says how to write it, in place of the errors it causes.
 */
function syntaxProblems(text: string, doc: Document.Parsed, secret: boolean): { offset: number; message: string }[] {
  const out: { offset: number; message: string }[] = [];
  const split = new Set<number>();
  for (const e of doc.errors) {
    const value = splitQuotedValue(text, e.pos[0]);
    if (value === undefined) out.push({ offset: e.pos[0], message: yamlMessage(e.code, secret ? "" : e.message) });
    else if (!split.has(value)) {
      split.add(value);
      out.push({ offset: value, message: SPLIT_QUOTED });
    }
  }
  return out;
}

const SPLIT_QUOTED =
  "YAML syntax error: this value is several quoted strings, as a signing provider shows a split TXT record; " +
  `wrap the whole value in single quotes: txt: '"v=DKIM1; k=rsa; p=..." "..."' (dkimctl joins the strings)`;

/** A run of two or more double-quoted strings on one line, from its first quote. */
const QUOTED_RUN = /^"(?:[^"\\\n]|\\.)*"(?:[ \t]*"(?:[^"\\\n]|\\.)*")+/;
/** One double-quoted string that ends its line. */
const QUOTED_END = /^"(?:[^"\\\n]|\\.)*"[ \t]*$/;

/**
 * The offset of a value that is a run of double-quoted strings, when the line
 * at `offset` holds one after `key:` or `- `, or continues one (a line that
 * starts with a quoted string after a line whose value is one); else undefined.
 */
function splitQuotedValue(text: string, offset: number): number | undefined {
  const lineStart = (at: number) => text.lastIndexOf("\n", at - 1) + 1;
  const lineOf = (start: number) => text.slice(start, text.indexOf("\n", start) < 0 ? text.length : text.indexOf("\n", start));
  const valueStart = (start: number, run: RegExp): number | undefined => {
    const line = lineOf(start);
    for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1))
      if (/(?:^|[:-]|[{,[])[ \t]*$/.test(line.slice(0, i)) && run.test(line.slice(i))) return start + i;
    return undefined;
  };
  const start = lineStart(Math.min(offset, text.length));
  const here = valueStart(start, QUOTED_RUN);
  if (here !== undefined) return here;
  if (!/^[ \t]*"/.test(lineOf(start)) || start === 0) return undefined;
  const previous = lineStart(start - 1);
  return valueStart(previous, QUOTED_END);
}

/** The first line of a YAML error, capped; without `message`, only what its code says. */
function yamlMessage(code: string, message: string): string {
  const first = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") return "duplicate key: this name appears twice in the same mapping; merge the two entries into one";
  return `YAML syntax error: ${first ? capText(first) : code.toLowerCase().replace(/_/g, " ")}`;
}

/**
 * `value` with the `position` of the key at `path`, looked up when first read
 * (for a problem to report): a file the fast read took has positions only
 * once it is parsed again, which a valid project never needs.
 */
export function located<T extends object>(value: T, source: YamlSource, path: PathKey[]): T & { readonly position: Position } {
  return withLazyPosition(value, () => {
    const p = source.problem(path, "", "key");
    return { file: p.file, line: p.line, col: p.col };
  });
}

/** Per object, how to find its position, then the position once found (not enumerable: no spread or comparison sees it). */
const LOCATE = Symbol("locate");
type Locating = { [LOCATE]: Position | (() => Position) };

/**
 * The one getter of every lazy `position`: one function for all objects, so
 * that they share their hidden classes. (A getter closure per object gave
 * each its own, and V8 turned the 30,000 domains and selectors of a large
 * project into dictionaries: about 13 MB more at synth's peak.)
 */
function lazyPosition(this: Locating): Position {
  const at = this[LOCATE];
  if (typeof at !== "function") return at;
  const found = at();
  this[LOCATE] = found;
  return found;
}

/** `value` with a `position` that `find` computes when first read, and only then (or the position itself, already known). */
export function withLazyPosition<T extends object>(value: T, find: Position | (() => Position)): T & { readonly position: Position } {
  Object.defineProperty(value, LOCATE, { value: find, writable: true });
  return Object.defineProperty(value, "position", { enumerable: true, get: lazyPosition }) as T & { readonly position: Position };
}
