/**
 * YAML parsing that keeps positions, so every problem can name its line and
 * column.
 */
import { readFileSync } from "node:fs";
import { Document, isMap, isScalar, isSeq, LineCounter, Node, Pair, parseDocument, visit, YAMLMap } from "yaml";
import { Problem } from "./problems";

export type PathKey = string | number;

export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; YAML syntax errors (duplicate keys among them) become problems. */
  static parse(file: string, text: string): { source: YamlSource; problems: Problem[] } {
    const lines = new LineCounter();
    // yaml's own duplicate-key check compares each key with every earlier one
    // (quadratic in a 10,000-domain file); duplicateKeys() does it with a Set.
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: true });
    const source = new YamlSource(file, doc, lines);
    const found = [...doc.errors.map((e) => ({ offset: e.pos[0], message: yamlMessage(e.code, e.message) })), ...duplicateKeys(doc)];
    const problems = found
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, message }) => {
        const pos = lines.linePos(offset);
        return { file, line: pos.line, col: pos.col, path: "", message };
      });
    return { source, problems };
  }

  static read(file: string): { source: YamlSource; problems: Problem[] } {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "no such file; create it (see README) or pass --config FILE" : `cannot read it (${code ?? String(e)})`;
      return { source: YamlSource.parse(file, "").source, problems: [{ file, line: 1, col: 1, path: "", message: why }] };
    }
    return YamlSource.parse(file, text);
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
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
    const pos = this.lines.linePos(offset);
    return { file: this.file, line: pos.line, col: pos.col, path: path.join("/"), message };
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
    let node: unknown = this.doc.contents;
    let keyNode: unknown = undefined;
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
    const target = (at === "key" ? keyNode : node ?? keyNode) as Node | undefined;
    return target?.range?.[0];
  }
}

const keyText = (p: Pair): string => String(isScalar(p.key) ? p.key.value : p.key);

/** Keys that appear twice in one mapping: the second occurrence of each. */
function duplicateKeys(doc: Document.Parsed): { offset: number; message: string }[] {
  const out: { offset: number; message: string }[] = [];
  visit(doc, {
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

function yamlMessage(code: string, message: string): string {
  const first = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") return "duplicate key: this name appears twice in the same mapping; merge the two entries into one";
  return `YAML syntax error: ${first}`;
}
