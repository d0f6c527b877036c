/**
 * Each command's own `--help`: its usage, what it does, and one line per
 * option its parser accepts. The parser and the help read the same option
 * table, and every entry must say what it does, so an option cannot be added
 * without its help line.
 */
import type { ParseArgsConfig } from "node:util";

type ParseOptions = NonNullable<ParseArgsConfig["options"]>;

/** An option as node:util parseArgs takes it, with what `--help` says of it. */
export interface OptionHelp {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. `FILE` (string options). */
  readonly arg?: string;
  /** What the option does, one sentence. */
  readonly help: string;
}

export type OptionTable = Readonly<Record<string, OptionHelp>>;

/** The table as parseArgs reads it (parseArgs ignores the help fields; they are dropped to keep its input exact). */
export function parserOptions<O extends OptionTable>(table: O): { [K in keyof O]: Omit<O[K], "arg" | "help"> } & ParseOptions {
  return Object.fromEntries(Object.entries(table).map(([name, { arg: _arg, help: _help, ...o }]) => [name, o])) as never;
}

/** The width help text is wrapped to. */
const WIDTH = 100;

/**
 * `dkimctl <cmd> --help`: the usage lines, `about` (paragraphs as given),
 * `more` sections (e.g. the subcommands), then the options.
 */
export function commandHelp(usage: readonly string[], about: string, options: OptionTable, more: readonly string[] = []): string {
  const flags = Object.entries(options).map(([name, o]) => {
    const value = o.arg ?? (o.type === "string" ? "VALUE" : "");
    return `  --${name}${o.short ? `, -${o.short}` : ""}${value ? ` ${value}` : ""}`;
  });
  const col = Math.min(Math.max(...flags.map((f) => f.length)) + 3, 40);
  const lines = Object.values(options).flatMap((o, i) => {
    const flag = flags[i];
    const body = wrap(`${o.help}${o.multiple ? " (repeatable)" : ""}`, WIDTH - col);
    if (flag.length + 2 > col) return [flag, ...body.map((l) => " ".repeat(col) + l)];
    return body.map((l, j) => (j === 0 ? flag.padEnd(col) : " ".repeat(col)) + l);
  });
  return ["Usage:", ...usage, "", about.trimEnd(), "", ...more.flatMap((m) => [m.trimEnd(), ""]), "Options:", ...lines, ""].join("\n");
}

/** Splits `text` into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
