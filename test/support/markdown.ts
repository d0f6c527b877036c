/**
 * Test support: the cells of a GitHub Flavored Markdown table row, split the
 * way cmark-gfm does: a backslash escapes the next character (so `\|` stays
 * in its cell), any other `|` ends a cell; the leading and trailing pipes
 * are optional.
 */
export function gfmCells(row: string): string[] {
  const cells: string[] = [];
  let cell = "";
  for (let i = 0; i < row.length; i++) {
    if (row[i] === "\\" && i + 1 < row.length) {
      cell += row[i] + row[++i];
    } else if (row[i] === "|") {
      cells.push(cell);
      cell = "";
    } else cell += row[i];
  }
  cells.push(cell);
  if (cells[0].trim() === "") cells.shift();
  if (cells.length && cells[cells.length - 1].trim() === "") cells.pop();
  return cells.map((c) => c.trim());
}
