/**
 * `dkimctl instructions --format html`: one self-contained page a provider
 * can show or e-mail. No script, no external asset (a Content-Security-Policy
 * forbids loading any), and every text taken from the config or the lock is
 * escaped.
 */
import type { Instructions } from "../customers/instructions";
import { formatDuration } from "../duration";
import { notes } from "./instructions-formats";

/** Text as HTML character data or attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; color: #1b1f23; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
table { border-collapse: collapse; width: 100%; margin: 1.5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; width: 9rem; font-weight: 600; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
code { font: 14px/1.4 ui-monospace, monospace; word-break: break-all; user-select: all; }
li { margin: .4rem 0; }
.sub { color: #57606a; }
`;

export function htmlPage(i: Instructions): string {
  const e = escapeHtml;
  const n = i.records.length;
  const name = i.display !== i.customer ? `${e(i.display)} <span class="sub">(${e(i.customer)})</span>` : e(i.customer);
  const row = (label: string, value: string) => `<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
  const tables = i.records.map((r, k) =>
    [
      `<table>`,
      `<caption>Record ${k + 1} of ${n} <span class="sub">(slot ${e(r.slot)})</span></caption>`,
      row("Type", `<code>${e(r.type)}</code>`),
      row("Host", `<code>${e(r.host)}</code>`),
      row("Full name", `<code>${e(r.name)}</code>`),
      row(r.type === "CNAME" ? "Target" : "Value", `<code>${e(r.value)}</code>`),
      ...(r.type === "TXT" && r.strings.length > 1 ? [row("As strings", r.strings.map((s) => `<code>"${e(s)}"</code>`).join(" "))] : []),
      row("TTL", `<code>${r.ttl}</code> <span class="sub">(${e(formatDuration(r.ttl * 1000))})</span>`),
      `</table>`,
    ].join("\n"),
  );
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>DKIM records for ${e(i.display)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>DKIM records for ${name}</h1>`,
    `<p>Create ${n === 1 ? "this record" : `these ${n} records`} in the DNS zone <code>${e(i.zone)}</code>.</p>`,
    ...tables,
    "<h2>Before you save</h2>",
    "<ul>",
    ...notes(i).map((t) => `<li>${e(t)}</li>`),
    "</ul>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
