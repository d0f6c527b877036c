/**
 * The delegation status page (--format html) in a real headless Chromium:
 * it renders from the file alone (no request but the page), shows the counts
 * per state, filters by state, searches by domain (an IDN typed as Unicode
 * too), escapes what DNS returned, and a screenshot is saved under test-output/.
 * The text and JSON reports of the same run are checked beside it.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { delegationJson, delegationText, type DelegationReport, type ReportSlot } from "../src/cli/delegation-report";
import { statusPage } from "../src/cli/status-page";
import { advance, type CustomerRecord, DEFAULT_GRACE_MS } from "../src/delegation/gate";
import type { SlotState } from "../src/delegation/slot";
import { launchChromium, screenshotPath } from "./support/chromium";
import { tempDir } from "./support/project";

const NOW = new Date("2026-06-01T12:00:00Z");

const slot = (customer: string, name: string, state: SlotState, reason: string, detail: string, fix: string): ReportSlot => ({
  customer,
  slot: name,
  name: `${name}._domainkey.${customer}`,
  target: `${name}.${customer.replace(/\./g, "-")}.keys.esp.example`,
  delegation: "cname",
  state,
  reason,
  detail,
  fix,
  found: {},
  checkedAt: NOW.toISOString(),
});

const SLOTS: ReportSlot[] = [
  slot("good.example", "esp1", "delegated", "cname", "", ""),
  slot("good.example", "esp2", "delegated", "cname", "", ""),
  slot("typo.example", "esp1", "wrong-target", "near-miss", "points to esp1.typo-example.kyes.esp.example, a near miss", "correct the target"),
  slot("typo.example", "esp2", "pending", "nxdomain", "no such name (NXDOMAIN)", "create esp2._domainkey CNAME ..."),
  slot("xn--bcher-kva.example", "esp1", "pending", "nxdomain", "no such name (NXDOMAIN)", "create esp1._domainkey CNAME ..."),
  slot(
    "xn--bcher-kva.example",
    "esp2",
    "conflicting",
    "not-dkim",
    '<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>',
    "delete it",
  ),
  slot("lapsing.example", "esp1", "broken", "cname-loop", "CNAME loop: a -> b -> a", "make esp1._domainkey one CNAME"),
  slot("lapsing.example", "esp2", "delegated", "cname", "", ""),
];

function report(): DelegationReport {
  const customers = new Map<string, CustomerRecord>();
  const events = [];
  for (const c of new Set(SLOTS.map((s) => s.customer))) {
    const mine = SLOTS.filter((s) => s.customer === c);
    // lapsing.example was switched on an hour ago.
    const before =
      c === "lapsing.example"
        ? advance(
            c,
            undefined,
            mine.map((s) => ({ ...s, state: "delegated" as const })),
            new Date(NOW.getTime() - 3_600_000),
          ).record
        : undefined;
    const next = advance(c, before, mine, NOW);
    customers.set(c, next.record);
    if (next.event) events.push(next.event);
  }
  return { checked: NOW, via: "resolver 127.0.0.1:53", slots: SLOTS, customers, events };
}

test("text: grouped by state with counts, each slot with its fix; the gate's counts and events", () => {
  const text = delegationText(report(), DEFAULT_GRACE_MS);
  expect(text).toContain("delegation of 4 customers (8 slots), checked 2026-06-01T12:00:00.000Z through resolver 127.0.0.1:53\n");
  expect(text).toContain("  broken: 1, conflicting: 1, wrong-target: 1, pending: 2, delegated: 3\n");
  expect(text).toContain("\npending (2 slots)\n  esp2._domainkey.typo.example: no such name (NXDOMAIN)\n    fix: create esp2._domainkey CNAME ...\n");
  expect(text.indexOf("\nbroken (1 slot)")).toBeLessThan(text.indexOf("\npending (2 slots)"));
  expect(text).toContain("signing: 1 switched on, 1 lapsed (still signed for), 2 waiting, 0 dropped\n");
  expect(text).toContain(
    "  switched on: good.example (every slot delegated)\n  LAPSED: lapsing.example: esp1 broken (cname-loop); still signed for until 2026-06-06T12:00:00.000Z",
  );
});

test("json: every slot of every customer under its customer, with the gate; counts of every state", () => {
  const json = delegationJson(report());
  expect(json.version).toBe(1);
  expect(json.counts).toEqual({ delegated: 3, pending: 2, "wrong-target": 1, "doubled-name": 0, conflicting: 1, flattened: 0, broken: 1 });
  expect(json.gates).toEqual({ waiting: 2, on: 1, lapsed: 1, dropped: 0 });
  expect(json.customers.map((c) => [c.customer, c.gate, c.signing, c.slots.map((s) => s.state).join("/")])).toEqual([
    ["good.example", "on", true, "delegated/delegated"],
    ["typo.example", "waiting", false, "wrong-target/pending"],
    ["xn--bcher-kva.example", "waiting", false, "pending/conflicting"],
    ["lapsing.example", "lapsed", true, "broken/delegated"],
  ]);
  expect(Object.keys(json.customers[1].slots[0]).sort()).toEqual(
    ["checkedAt", "delegation", "detail", "fix", "found", "name", "reason", "slot", "state", "target"].sort(),
  );
});

describe("the HTML status page in headless Chromium", () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());

  test("renders from the file alone; counts; filter by state; search by domain (A-label or Unicode); escaped; screenshot saved", async () => {
    const html = statusPage(report(), DEFAULT_GRACE_MS);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    const file = join(tempDir(), "status.html");
    writeFileSync(file, html);
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe("DKIM delegation status");
    const visible = () =>
      page.$$eval("#slots tbody tr", (rows) =>
        rows.filter((r) => !(r as unknown as { hidden: boolean }).hidden).map((r) => `${r.getAttribute("data-customer")}/${r.children[1].textContent}`),
      );
    const shown = () => page.textContent("#shown");
    expect(await visible()).toHaveLength(8);
    expect(await shown()).toBe("8 of 8 slots shown");
    expect(await page.textContent('#counts button[data-state="pending"] .n')).toBe("2");
    expect(await page.textContent('#counts button[data-state="delegated"] .n')).toBe("3");
    expect(await page.textContent('#gates [data-gate="lapsed"]')).toBe("1 lapsed");
    expect(await page.textContent("#events")).toContain("LAPSED: lapsing.example");

    await page.click('#counts button[data-state="pending"]');
    expect(await visible()).toEqual(["typo.example/esp2", "xn--bcher-kva.example/esp1"]);
    expect(await page.getAttribute('#counts button[data-state="pending"]', "aria-pressed")).toBe("true");
    await page.fill("#search", "typo");
    expect(await visible()).toEqual(["typo.example/esp2"]);
    expect(await shown()).toBe("1 of 8 slots shown");
    await page.click('#counts button[data-state=""]');
    expect(await visible()).toEqual(["typo.example/esp1", "typo.example/esp2"]);
    await page.fill("#search", "bücher.example");
    expect(await visible()).toEqual(["xn--bcher-kva.example/esp1", "xn--bcher-kva.example/esp2"]);
    await page.fill("#search", "");
    expect(await visible()).toHaveLength(8);

    // What DNS returned is text, never markup: no element made, no script run.
    expect(await page.evaluate(() => (globalThis as unknown as { __injected?: number }).__injected)).toBeUndefined();
    expect(await page.$$eval("#slots img", (imgs) => imgs.length)).toBe(0);
    expect(await page.textContent('#slots tr[data-state="conflicting"] td:nth-child(4)')).toContain("<script>");

    const shot = screenshotPath("delegation-status.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
  });
});
