/**
 * `--format html`: the delegation status as one self-contained page (no
 * external asset: styles and the filter script inline), for a provider's
 * support team. Counts per state and per gate, what changed in the run, and
 * a table of every slot that the reader filters by state and searches by
 * domain. The rows are in the page itself, so it reads without script too.
 */
import { GATE_STATES } from "../delegation/gate";
import type { SlotState } from "../delegation/slot";
import { count } from "../verify/compare";
import { type DelegationReport, eventLines, gateCounts, STATE_ORDER, stateCounts } from "./delegation-report";

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Colours per state, readable on white and in print. */
const COLOURS: Record<SlotState, string> = {
  delegated: "#1a7f37",
  pending: "#6e7781",
  "wrong-target": "#bc4c00",
  "doubled-name": "#bc4c00",
  conflicting: "#cf222e",
  flattened: "#9a6700",
  broken: "#a40e26",
};

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:1.5rem;color:#1f2328}
h1{font-size:1.5rem;margin:0 0 .25rem}p.meta{color:#59636e;margin:0 0 1rem}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem;padding:0;list-style:none}
.counts button{font:inherit;border:1px solid #d1d9e0;border-radius:6px;background:#f6f8fa;padding:.35rem .7rem;cursor:pointer}
.counts button[aria-pressed=true]{outline:2px solid #0969da}
.counts .n{font-weight:600;font-variant-numeric:tabular-nums}
.state{display:inline-block;border-radius:999px;padding:0 .55rem;color:#fff;font-size:12px;white-space:nowrap}
.controls{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin:1rem 0}
.controls input{font:inherit;padding:.3rem .5rem;min-width:18rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #d1d9e0}
th{background:#f6f8fa;position:sticky;top:0}td.fix{color:#0b4f9c}td code{font-size:12px;word-break:break-all}
ul.events{margin:.25rem 0 1rem;padding-left:1.25rem}ul.events li.bad{color:#a40e26;font-weight:600}
`;

/** Filters rows by the state buttons and the domain search (A-labels: a U-label typed is converted as the browser does for URLs). */
const SCRIPT = `
(function(){
  var rows = Array.prototype.slice.call(document.querySelectorAll("#slots tbody tr"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".counts button"));
  var state = "";
  function aLabel(q){ try { return new URL("http://" + q).hostname; } catch (e) { return q; } }
  function apply(){
    var q = search.value.trim().toLowerCase().replace(/\\.$/, "");
    var a = q ? aLabel(q) : "";
    var n = 0;
    rows.forEach(function(r){
      var d = r.getAttribute("data-customer");
      var ok = (!state || r.getAttribute("data-state") === state) && (!q || d.indexOf(q) >= 0 || d.indexOf(a) >= 0);
      r.hidden = !ok; if (ok) n++;
    });
    buttons.forEach(function(b){ b.setAttribute("aria-pressed", String(b.getAttribute("data-state") === state)); });
    shown.textContent = n + " of " + rows.length + " slots shown";
  }
  buttons.forEach(function(b){ b.addEventListener("click", function(){ state = b.getAttribute("data-state"); apply(); }); });
  search.addEventListener("input", apply);
  apply();
})();
`;

export function statusPage(report: DelegationReport, graceMs: number): string {
  const counts = stateCounts(report.slots);
  const gates = gateCounts(report.customers);
  const customers = new Set(report.slots.map((s) => s.customer)).size;
  const badge = (state: SlotState) => `<span class="state" style="background:${COLOURS[state]}">${escapeHtml(state)}</span>`;
  const button = (state: SlotState | "", label: string, n: number) =>
    `<li><button type="button" data-state="${state}" aria-pressed="false">` +
    `<span class="n">${n.toLocaleString("en-US")}</span> ${escapeHtml(label)}</button></li>`;
  const events = eventLines(report, graceMs);
  const meta = `${count(customers, "customer")}, ${count(report.slots.length, "slot")}; checked ${report.checked.toISOString()} through ${report.via}.`;
  const gateLine = GATE_STATES.map(
    (g) => `<span data-gate="${g}"><strong>${gates[g].toLocaleString("en-US")}</strong> ${g === "on" ? "switched on" : g}</span>`,
  ).join(" · ");
  const eventItems = events.map((e) => `<li${/^(LAPSED|DROPPED)/.test(e) ? ' class="bad"' : ""}>${escapeHtml(e)}</li>`).join("");
  const rows = report.slots.map((s) => {
    const gate = report.customers.get(s.customer)?.gate ?? "waiting";
    return (
      `<tr data-state="${escapeHtml(s.state)}" data-customer="${escapeHtml(s.customer)}">` +
      `<td>${escapeHtml(s.customer)}</td><td>${escapeHtml(s.slot)}</td><td>${badge(s.state)}<br><small>${escapeHtml(s.reason)}</small></td>` +
      `<td>${s.detail ? `${escapeHtml(s.detail)}${s.ours ? " <em>(ours)</em>" : ""}<br>` : ""}<code>${escapeHtml(s.name)}</code></td>` +
      `<td class="fix">${escapeHtml(s.fix)}</td><td>${escapeHtml(gate)}</td></tr>`
    );
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DKIM delegation status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>DKIM delegation status</h1>
<p class="meta">${escapeHtml(meta)}</p>
<h2>Slots by state</h2>
<ul class="counts" id="counts">
${button("", "all", report.slots.length)}
${STATE_ORDER.map((s) => button(s, s, counts[s])).join("\n")}
</ul>
<h2>Signing</h2>
<p id="gates">${gateLine}</p>
${events.length ? `<ul class="events" id="events">${eventItems}</ul>` : ""}
<div class="controls">
<label>Domain <input id="search" type="search" placeholder="example.com" autocomplete="off"></label>
<output id="shown" aria-live="polite">${report.slots.length} of ${report.slots.length} slots shown</output>
</div>
<table id="slots">
<thead><tr><th>Customer</th><th>Slot</th><th>State</th><th>What DNS shows</th><th>What to change</th><th>Signing</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
