/**
 * Text inside GitHub Flavored Markdown table cells, for the markdown output
 * of `dkimctl records` and `dkimctl verify` (pull-request comments). Any text
 * goes through here, so that a `|`, a backtick or a line break in a value
 * (a note, a TXT record served by DNS) never breaks the table.
 */

const LINE_BREAK = /\r\n?|\n/g;

/** Plain text in a cell: `\`, `|`, backticks and `<` escaped, line breaks as `<br>`. */
export function mdCell(text: string): string {
  return text.replace(/[\\|`<]/g, (c) => `\\${c}`).replace(LINE_BREAK, "<br>");
}

/**
 * Text as a code span in a cell, shown as given: the fence is longer than
 * any run of backticks in it, `|` is escaped (GFM removes the escape inside
 * a table), a line break becomes a space. A backslash cannot be written in
 * a code span inside a table (GFM would read `\|` as an escaped pipe), so
 * text with one is shown as plain cell text instead.
 */
export function mdCode(text: string): string {
  const flat = text.replace(LINE_BREAK, " ");
  if (flat.includes("\\")) return mdCell(flat);
  const fence = "`".repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat.replace(/\|/g, "\\|")}${pad}${fence}`;
}

/** One table row of already escaped cells. */
export function mdRow(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}
