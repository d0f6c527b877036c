/**
 * `dkimctl help TOPIC`: each page of the documentation shipped in the
 * package (docs/*.md) is a topic named after its file, `key-stores` for
 * docs/key-stores.md. The list is the directory's, so a page added is a topic.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../init/package-info";

export interface HelpTopic {
  /** The file's name without `.md`. */
  readonly name: string;
  /** Its path in the installed package. */
  readonly file: string;
  /** Its first heading. */
  readonly title: string;
}

/** The documentation's directory in the installed package (or in this repository). */
export function docsDir(root = packageRoot()): string {
  return join(root, "docs");
}

/** Every page of `dir`, by name; none when the directory is missing. */
export function helpTopics(dir = docsDir()): HelpTopic[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".md"));
  } catch {
    return [];
  }
  return names.sort().map((f) => {
    const file = join(dir, f);
    return { name: f.slice(0, -".md".length), file, title: /^#{1,6}[ \t]+(.+?)[ \t#]*$/m.exec(readFileSync(file, "utf8"))?.[1] ?? "" };
  });
}

/** The topic `word` names: `key-stores`, `key-stores.md` or `docs/key-stores.md`. */
export function findTopic(topics: readonly HelpTopic[], word: string): HelpTopic | undefined {
  const name = word.replace(/^(?:\.\/)?docs\//, "").replace(/\.md$/, "");
  return topics.find((t) => t.name === name);
}

/**
 * The list `dkimctl help` ends with. A page named as a command (records) is listed as `records.md`:
 * `dkimctl help records` is the command's help.
 */
export function topicList(topics: readonly HelpTopic[], commands: readonly string[]): string {
  if (topics.length === 0) return "No help topics: the package's docs/ directory is missing; reinstall dkimctl.\n";
  const shown = topics.map((t) => [commands.includes(t.name) ? `${t.name}.md` : t.name, t.title] as const);
  const width = Math.max(...shown.map(([n]) => n.length)) + 3;
  return [
    'Help topics: "dkimctl help TOPIC" prints a page of the documentation (docs/TOPIC.md in the package).',
    ...shown.map(([n, title]) => `  ${n.padEnd(width)}${title}`),
    "",
  ].join("\n");
}
