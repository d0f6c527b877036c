/**
 * YAML parsing that keeps positions, so every problem can name its line and
 * column.
 */
import { readFileSync } from "node:fs";
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument } from "yaml";
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
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
    const source = new YamlSource(file, doc, lines);
    const problems = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { file, line: pos.line, col: pos.col, path: "", message: yamlMessage(e.code, e.message) };
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

  private locate(path: readonly PathKey[], at: "value" | "key"): number | undefined {
    let node: unknown = this.doc.contents;
    let keyNode: unknown = undefined;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(key));
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

function yamlMessage(code: string, message: string): string {
  const first = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") return "duplicate key: this name appears twice in the same mapping; merge the two entries into one";
  return `YAML syntax error: ${first}`;
}
