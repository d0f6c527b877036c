/**
 * Markdown tables for pull-request comments: text from domains.yaml (a note)
 * or from DNS never breaks out of its cell. One helper (src/cli/markdown.ts)
 * serves `records --format markdown` and `verify --format markdown`.
 */
import { abbreviate } from "../src/dkim/record";
import { mdCell, mdCode } from "../src/cli/markdown";
import { dkimctl, tempProject } from "./support/project";
import { gfmCells } from "./support/markdown";

const YAML = `version: 1
zones:
  example.com: { provider: route53 }
domains:
  example.com:
    selectors:
      s1: { key: ed25519, note: "a|b \`x\` c||d" }
      e1: { key: ed25519 }
      p1: { txt: "v=DKIM1; k=ed25519; n=pipe|in|txt; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" }
`;

/** The text a GFM table cell shows: pipe escapes removed, a code span's fence stripped. */
function shown(cell: string): string {
  const text = cell.replace(/\\\|/g, "|");
  const code = /^(`+) ?(.*?) ?\1$/.exec(text);
  return code ? code[2] : text;
}

test("records --format markdown: a note with | and backticks stays in its cell, shown as given", async () => {
  const p = tempProject(YAML);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  const r = await dkimctl("records", "--config", p.config, "--format", "markdown");
  expect(r).toMatchObject({ code: 0, err: "" });
  // The table, then (after a blank line) the DMARC policy of each sender domain.
  const rows = r.out.split("\n\n")[0].trimEnd().split("\n");
  expect(rows).toHaveLength(2 + 3);
  for (const row of rows) expect({ row, cells: gfmCells(row).length }).toEqual({ row, cells: 5 });
  const records = JSON.parse((await dkimctl("records", "--config", p.config, "--format", "json")).out) as { name: string; value: string }[];
  const values = rows.slice(2).map((row) => shown(gfmCells(row)[4]));
  expect(values).toEqual(records.map((rec) => abbreviate(rec.value)));
  expect(values.find((v) => v.includes("n=a|b `x` c||d;"))).toBeDefined();
  expect(rows.slice(2).map((row) => shown(gfmCells(row)[1]))).toEqual(records.map((rec) => rec.name));
});

test("mdCell and mdCode: pipes, backticks, backslashes and line breaks", () => {
  expect(mdCell("a|b`c\\d<e>\nf")).toBe("a\\|b\\`c\\\\d\\<e><br>f");
  expect(mdCode("plain")).toBe("`plain`");
  expect(mdCode("a|b")).toBe("`a\\|b`");
  expect(mdCode("one ` two `` three")).toBe("```one ` two `` three```");
  expect(mdCode("`edge`")).toBe("`` `edge` ``");
  expect(mdCode("line\nbreak")).toBe("`line break`");
  // A backslash cannot be written inside a code span in a table: plain cell text instead.
  expect(mdCode("a\\|b")).toBe("a\\\\\\|b");
  for (const text of ["a|b", "x\\|y|z", "`|`", "a\nb|c", "\\", "|"]) {
    const row = `| ${mdCell(text)} | ${mdCode(text)} |`;
    expect({ text, cells: gfmCells(row).length }).toEqual({ text, cells: 2 });
  }
});
