/**
 * The documentation as users reach it: every page of docs/ is a help topic
 * (`dkimctl help TOPIC` prints it), every `dkimctl help X` a message names
 * resolves, no message sends people to "the README", and every relative link
 * of README.md and docs/*.md reaches a file and, with a #fragment, a heading
 * of it (slugged as GitHub slugs headings).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";
import { dkimctl, ROOT } from "./support/project";

const DOCS = join(ROOT, "docs");
const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith(".md"))
  .sort();
const markdownFiles = [join(ROOT, "README.md"), ...pages.map((f) => join(DOCS, f))];

describe("dkimctl help TOPIC", () => {
  let listed: string[];
  beforeAll(async () => {
    const r = await dkimctl("help");
    expect(r.code).toBe(0);
    const list = r.out.slice(r.out.indexOf("\nHelp topics:"));
    listed = [...list.matchAll(/^ {2}(\S+) {3,}/gm)].map((m) => m[1]);
  });

  test("dkimctl help lists every page of docs/, by the name to type", () => {
    expect(listed.map((t) => t.replace(/\.md$/, ""))).toEqual(pages.map((f) => f.replace(/\.md$/, "")));
  });

  test("each listed topic prints its page whole, the page's path on stderr", async () => {
    for (const topic of listed) {
      const file = join(DOCS, `${topic.replace(/\.md$/, "")}.md`);
      expect({ topic, ...(await dkimctl("help", topic)) }).toEqual({ topic, code: 0, out: readFileSync(file, "utf8"), err: `page: ${file}\n` });
    }
  });

  test("a page named as a command (records) is that command's help, which names the page; docs/NAME.md works too", async () => {
    const command = await dkimctl("help", "records");
    expect(command.out).toMatch(/^Usage:\n {2}dkimctl records/);
    expect(command.out).toMatch(/\nThe documentation's page records: dkimctl help records\.md\n$/);
    expect((await dkimctl("help", "docs/key-stores.md")).out).toBe(readFileSync(join(DOCS, "key-stores.md"), "utf8"));
  });

  test("an unknown topic is a usage error with a did-you-mean over commands and topics", async () => {
    expect(await dkimctl("help", "key-store")).toEqual({
      code: 2,
      out: "",
      err: "error: unknown command or help topic 'key-store': did you mean 'key-stores'?\nRun 'dkimctl --help' for usage.\n",
    });
  });

  test("the package ships docs/*.md, which the topics are read from", () => {
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).files).toContain("docs/*.md");
  });
});

describe("messages and generated files point at help topics", () => {
  const sources = readdirSync(join(ROOT, "src"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => [join("src", f), readFileSync(join(ROOT, "src", f), "utf8")] as const);

  test("no source sends people to the README", () => {
    expect(sources.filter(([, text]) => /README/.test(text)).map(([f]) => f)).toEqual([]);
  });

  test("every 'dkimctl help X' in a source names a topic or a command", async () => {
    const named = [...new Set(sources.flatMap(([, text]) => [...text.matchAll(/dkimctl help ([a-z][\w.-]*)/g)].map((m) => m[1])))];
    expect(named).toEqual(expect.arrayContaining(["domains-yaml", "key-stores", "rotation", "dmarc-spf"]));
    for (const topic of named) expect({ topic, code: (await dkimctl("help", topic)).code }).toEqual({ topic, code: 0 });
  });
});

test("README.md and docs/ describe what is, not what was: history belongs in CHANGELOG.md", () => {
  const history = /until now|in (?:earlier|previous|older) (?:versions|releases)|used to (?:print|be|write|read)/i;
  const found = markdownFiles.flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .flatMap((line, i) => (history.test(line) ? [`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [])),
  );
  expect(found).toEqual([]);
});

describe("relative links in README.md and docs/", () => {
  const md = new MarkdownIt({ html: true });
  /** The text of an inline token's children, as GitHub renders a heading before slugging it. */
  const text = (children: { type: string; content: string }[] | null) =>
    (children ?? [])
      .filter((c) => c.type === "text" || c.type === "code_inline")
      .map((c) => c.content)
      .join("");
  /** The anchors of a markdown file's headings. */
  const anchors = (file: string) => {
    const slugger = new GithubSlugger();
    const tokens = md.parse(readFileSync(file, "utf8"), {});
    return tokens.flatMap((t, i) => (t.type === "heading_open" ? [slugger.slug(text(tokens[i + 1].children))] : []));
  };
  /** Every link target of a file (links and images), outside code. */
  const links = (file: string): string[] =>
    md
      .parse(readFileSync(file, "utf8"), {})
      .flatMap((t) => t.children ?? [])
      .filter((t) => t.type === "link_open" || t.type === "image")
      .map((t) => String(t.attrGet(t.type === "image" ? "src" : "href") ?? ""));

  test.each(markdownFiles.map((f) => [relative(ROOT, f), f] as const))("%s", (_name, file) => {
    const broken: string[] = [];
    for (const href of links(file)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // https:, mailto:
      const [path, fragment] = href.split("#", 2);
      const target = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
      let ok: boolean;
      try {
        readFileSync(target);
        ok = !fragment || !target.endsWith(".md") || anchors(target).includes(fragment);
      } catch (e) {
        ok = (e as NodeJS.ErrnoException).code === "EISDIR" && !fragment;
      }
      if (!ok) broken.push(href);
    }
    expect(broken).toEqual([]);
  });

  test("the checker sees links, and anchors as GitHub makes them", () => {
    expect(links(join(ROOT, "README.md"))).toEqual(expect.arrayContaining(["docs/install.md", "docs/key-stores.md"]));
    expect(anchors(join(DOCS, "dmarc-spf.md"))).toContain("is-a-sender-domain-ready");
  });
});
