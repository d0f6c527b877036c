/**
 * The delegation check's reports: text grouped by state with counts and
 * each slot's fix, and JSON (version 1, documented in docs/validation.md)
 * giving every slot of every customer with its gate. The HTML status page
 * is status-page.ts, over the same report.
 */
import type { CustomerRecord, GateEvent, GateState } from "../delegation/gate";
import { GATE_STATES, isSigning } from "../delegation/gate";
import { type Found, SLOT_STATES, type SlotResult, type SlotState } from "../delegation/slot";
import { count } from "../verify/compare";

export interface DelegationReport {
  /** The check's time (the project's clock, or --now). */
  readonly checked: Date;
  /** How DNS was asked, e.g. `resolver 127.0.0.1:53`. */
  readonly via: string;
  /** Every configured customer slot, in the config's order: this run's result, or (not due) the last recorded state. */
  readonly slots: readonly ReportSlot[];
  /** Each customer's gate after the run. */
  readonly customers: ReadonlyMap<string, CustomerRecord>;
  /** What changed in this run. */
  readonly events: readonly GateEvent[];
}

/** A slot as reported: checked now (with what DNS showed and the fix), or settled and not checked again this run. */
export type ReportSlot = SlotResult & {
  /** When the state was found: this run's time, or the last check's for a settled customer not checked again. */
  readonly checkedAt: string;
};

/** Problems first, as a reader works through them; delegated last. */
export const STATE_ORDER: readonly SlotState[] = ["broken", "conflicting", "flattened", "doubled-name", "wrong-target", "pending", "delegated"];

export function stateCounts(slots: readonly { state: SlotState }[]): Record<SlotState, number> {
  const counts = Object.fromEntries(SLOT_STATES.map((s) => [s, 0])) as Record<SlotState, number>;
  for (const s of slots) counts[s.state]++;
  return counts;
}

export function gateCounts(customers: ReadonlyMap<string, CustomerRecord>): Record<GateState, number> {
  const counts = Object.fromEntries(GATE_STATES.map((s) => [s, 0])) as Record<GateState, number>;
  for (const r of customers.values()) counts[r.gate]++;
  return counts;
}

/** The events in words, one line each: who was switched on, lapsed (and until when it is still signed for), dropped and why. */
export function eventLines(report: DelegationReport, graceMs: number): string[] {
  const until = new Date(report.checked.getTime() + graceMs).toISOString();
  const line: Record<GateEvent["kind"], (e: GateEvent) => string> = {
    "switched-on": (e) => `switched on: ${e.customer} (every slot delegated)`,
    recovered: (e) => `recovered: ${e.customer} (every slot delegated again)`,
    lapsed: (e) => `LAPSED: ${e.customer}: ${e.why}; still signed for until ${until}, then dropped unless fixed`,
    dropped: (e) => `DROPPED: ${e.customer}: no longer signed for: ${e.why}`,
    removed: (e) => `removed: ${e.customer} (${e.why})`,
  };
  return report.events.map((e) => line[e.kind](e));
}

export function delegationText(report: DelegationReport, graceMs: number): string {
  const customers = new Set(report.slots.map((s) => s.customer)).size;
  const counts = stateCounts(report.slots);
  const lines = [
    `delegation of ${count(customers, "customer")} (${count(report.slots.length, "slot")}), checked ${report.checked.toISOString()} through ${report.via}`,
    `  ${
      STATE_ORDER.filter((s) => counts[s])
        .map((s) => `${s}: ${counts[s].toLocaleString("en-US")}`)
        .join(", ") || "no slots"
    }`,
  ];
  for (const state of STATE_ORDER) {
    if (!counts[state] || state === "delegated") continue;
    lines.push("", `${state} (${count(counts[state], "slot")})`);
    for (const s of report.slots.filter((x) => x.state === state)) {
      lines.push(`  ${s.name}: ${s.detail}${s.ours ? " [ours]" : ""}`, `    fix: ${s.fix}`);
    }
  }
  const gates = gateCounts(report.customers);
  lines.push(
    "",
    `signing: ${gates.on.toLocaleString("en-US")} switched on, ${gates.lapsed.toLocaleString("en-US")} lapsed (still signed for), ` +
      `${gates.waiting.toLocaleString("en-US")} waiting, ${gates.dropped.toLocaleString("en-US")} dropped`,
    ...eventLines(report, graceMs).map((l) => `  ${l}`),
  );
  return `${lines.join("\n")}\n`;
}

/** The JSON report's slot entries. */
export interface SlotJson {
  slot: string;
  name: string;
  target: string;
  delegation: "cname" | "txt";
  state: SlotState;
  reason: string;
  detail: string;
  fix: string;
  found: Found;
  ours?: true;
  checkedAt: string;
}

export interface CustomerJson {
  customer: string;
  gate: GateState;
  signing: boolean;
  gateSince?: string;
  firstDelegated?: string;
  lastChecked?: string;
  reason?: string;
  slots: SlotJson[];
}

export interface DelegationJson {
  version: 1;
  checked: string;
  via: string;
  counts: Record<SlotState, number>;
  gates: Record<GateState, number>;
  events: GateEvent[];
  customers: CustomerJson[];
}

export function delegationJson(report: DelegationReport): DelegationJson {
  const byCustomer = new Map<string, ReportSlot[]>();
  for (const s of report.slots) {
    const list = byCustomer.get(s.customer);
    if (list) list.push(s);
    else byCustomer.set(s.customer, [s]);
  }
  return {
    version: 1,
    checked: report.checked.toISOString(),
    via: report.via,
    counts: stateCounts(report.slots),
    gates: gateCounts(report.customers),
    events: [...report.events],
    customers: [...byCustomer].map(([customer, slots]) => {
      const r = report.customers.get(customer);
      return {
        customer,
        gate: r?.gate ?? "waiting",
        signing: isSigning(r),
        ...(r ? { gateSince: r.since, lastChecked: r.lastChecked } : {}),
        ...(r?.firstDelegated ? { firstDelegated: r.firstDelegated } : {}),
        ...(r?.reason ? { reason: r.reason } : {}),
        slots: slots.map((s) => ({
          slot: s.slot,
          name: s.name,
          target: s.target,
          delegation: s.delegation,
          state: s.state,
          reason: s.reason,
          detail: s.detail,
          fix: s.fix,
          found: s.found,
          ...(s.ours ? { ours: true as const } : {}),
          checkedAt: s.checkedAt,
        })),
      };
    }),
  };
}
