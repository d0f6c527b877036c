/**
 * A customer list file (`customers.<keyZone>.list`), as a provider exports it
 * from its own database, so that adding a customer is a one-line diff:
 *
 *   - text: one domain per line, optionally followed by its delegation
 *     (`cname` or `txt`); `#` starts a comment, blank lines are skipped;
 *   - YAML (`.yaml`, `.yml`): a list of domains, or a mapping of domains to
 *     `{ delegation }` (or nothing), as `customers.<keyZone>.domains` is.
 *
 * Every entry keeps its line and column in the list file itself; reading is
 * linear in the size of the file.
 */
import { readUtf8 } from "../read-utf8";
import { extname } from "node:path";
import type { Problem } from "./problems";
import { DELEGATIONS, type Delegation, type Position } from "./model";
import { isMapping, type PathKey, YamlSource } from "./yaml-source";
import { excerpt, isPrivateKey, PRIVATE_KEY_MESSAGE, privateKeyOffset } from "../redact";

/** One customer as a list names it: the name as written, where, and its delegation when the entry gives one. */
export interface ListedCustomer {
  readonly text: string;
  readonly position: Position;
  /** Where in domains.yaml, for an entry there (`customers/<zone>/domains/<name>`). */
  readonly path?: string;
  readonly delegation?: Delegation;
}

export interface CustomerList {
  readonly entries: ListedCustomer[];
  readonly problems: Problem[];
}

const YAML_EXTENSIONS = [".yaml", ".yml"];

/**
 * A list file as found: its name in messages and its text, or why it cannot
 * be read. domains.yaml's list files are read from disk (readListFile);
 * `stacks --changed-from` reads them at the git revision instead.
 */
export type ListFile = { readonly file: string; readonly text: string } | { readonly file: string; readonly unreadable: string };

/** A list file on disk; a UTF-8 byte order mark is dropped. */
export function readListFile(file: string): ListFile {
  const read = readUtf8(file);
  if ("text" in read) return { file, text: read.text };
  if ("notUtf8" in read) return { file, unreadable: "it is not UTF-8 text: save the list as UTF-8" };
  const why =
    read.unreadable === "ENOENT"
      ? "no such file; create it (one domain per line) or fix the path"
      : read.unreadable === "EISDIR"
        ? "it is a directory; name the file of customers"
        : `cannot read it (${read.unreadable}); make it readable`;
  return { file, unreadable: why };
}

/** The customers of a list file's text: YAML when its name ends in .yaml or .yml, else one per line. */
export function parseCustomerList({ file, text }: { file: string; text: string }): CustomerList {
  if (!YAML_EXTENSIONS.includes(extname(file).toLowerCase())) return textList(file, text);
  const { source, problems } = YamlSource.parse(file, text);
  return problems.length ? { entries: [], problems } : yamlList(source);
}

/** `shop.example`, `shop.example txt`, `# comment`, `shop.example  # comment`. */
export function textList(file: string, text: string): CustomerList {
  const entries: ListedCustomer[] = [];
  const problems: Problem[] = [];
  // A pasted private key is one problem, in place of a problem per line that would quote a piece of it.
  if (isPrivateKey(text)) {
    const before = text.slice(0, Math.max(0, privateKeyOffset(text)));
    const line = before.split("\n").length;
    return { entries, problems: [{ file, line, col: before.length - before.lastIndexOf("\n"), path: "", message: PRIVATE_KEY_MESSAGE }] };
  }
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const comment = line.search(/(?:^|\s)#/);
    const content = comment < 0 ? line : line.slice(0, comment);
    const words = [...content.matchAll(/\S+/g)];
    if (words.length === 0) continue;
    const at = (w: RegExpMatchArray): Position => ({ file, line: i + 1, col: w.index! + 1 });
    const [name, second, ...rest] = words;
    let delegation: Delegation | undefined;
    if (second !== undefined) {
      if (DELEGATIONS.includes(second[0] as Delegation)) delegation = second[0] as Delegation;
      else
        problems.push({
          ...at(second),
          path: "",
          message:
            `'${excerpt(second[0])}' after ${excerpt(name[0])} is not a delegation: ` +
            "write cname or txt after the domain, or nothing (the key zone's default)",
        });
    }
    if (rest.length)
      problems.push({ ...at(rest[0]), path: "", message: `unexpected '${excerpt(rest[0][0])}': one customer per line, then at most cname or txt` });
    entries.push({ text: name[0], position: at(name), ...(delegation ? { delegation } : {}) });
  }
  return { entries, problems };
}

/** A YAML list: `[a.example, b.example]`, or `{ a.example: null, b.example: { delegation: txt } }`. */
function yamlList(source: YamlSource): CustomerList {
  const flagged = source.nodeProblems();
  const problems: Problem[] = [...flagged];
  const data = source.toJS();
  // The positions below keep the source: what is made from the data is all that is kept of it.
  source.release();
  const position = (path: PathKey[]): Position => {
    const { file, line, col } = source.problem(path, "", "key");
    return { file, line, col };
  };
  const at = (path: PathKey[], message: string, where: "key" | "value" = "value") => problems.push(source.problem(path, message, where));
  const entries: ListedCustomer[] = [];
  if (data === null || data === undefined) return { entries, problems };
  if (Array.isArray(data)) {
    for (const [i, item] of data.entries()) {
      if (typeof item === "string") entries.push({ text: item, position: position([i]) });
      else at([i], `expected a domain name, found ${isMapping(item) ? "a mapping" : Array.isArray(item) ? "a list" : excerpt(String(item))}`);
    }
    return { entries, problems: dedupe(problems) };
  }
  if (!isMapping(data)) {
    at([], "the list must be a YAML list of domains, or a mapping of domains to { delegation: cname | txt }");
    return { entries, problems };
  }
  for (const [key, value] of Object.entries(data)) {
    const path = [key];
    let delegation: Delegation | undefined;
    if (value !== null && !isMapping(value)) at(path, `expected nothing or a mapping with 'delegation', found ${excerpt(String(value))}`);
    else if (value !== null) {
      for (const field of Object.keys(value).filter((k) => k !== "delegation"))
        at([...path, field], `unknown field '${excerpt(field)}': known fields here: delegation`, "key");
      if (value.delegation !== undefined) {
        if (DELEGATIONS.includes(value.delegation as Delegation)) delegation = value.delegation as Delegation;
        else at([...path, "delegation"], `${excerpt(String(value.delegation))} is not allowed: use one of ${DELEGATIONS.join(", ")}`);
      }
    }
    entries.push({ text: key, position: position(path), ...(delegation ? { delegation } : {}) });
  }
  return { entries, problems: dedupe(problems) };
}

/** One problem per place: a flagged node (a tag, a pasted private key) is not also reported as a bad entry. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.col}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
