/**
 * One delegation check run, as `dkimctl verify` makes it for the customers
 * of signing-provider mode: the customers that are due (isDue) are checked,
 * each recorded in the status file as soon as its slots are classified, the
 * customers no longer configured are forgotten, and every configured slot
 * is reported, checked now or settled.
 */
import { canonicalName } from "../dns/names";
import { checkSlots, type CheckOptions } from "./check";
import { type CustomerRecord, DEFAULT_GRACE_MS, type GateEvent, isDue } from "./gate";
import type { SlotResult, SlotSpec } from "./slot";
import { readStatus, StatusRecorder } from "./status-file";

export interface RunOptions extends Omit<CheckOptions, "onCustomer" | "allSlots"> {
  /** dkim.status.json. */
  readonly statusFile: string;
  readonly now: Date;
  /** @default 5 days */
  readonly graceMs?: number;
  /** A settled customer (switched on, every slot delegated) is checked again only this long after its last check. @default 0: every run */
  readonly recheckAfterMs?: number;
  /** Write the status file at most this often while checking. @default 2000 ms */
  readonly flushEveryMs?: number;
}

export interface RunResult {
  /** Every configured slot: checked in this run, or (settled, not due) as last recorded, with the time it was found. */
  readonly slots: (SlotResult & { checkedAt: string })[];
  readonly customers: ReadonlyMap<string, CustomerRecord>;
  readonly events: readonly GateEvent[];
  /** Customers checked in this run, and those skipped as settled. */
  readonly checked: number;
  readonly skipped: number;
  readonly queries: number;
  readonly retried: number;
}

export async function runDelegationCheck(specs: readonly SlotSpec[], opts: RunOptions): Promise<RunResult> {
  const status = readStatus(opts.statusFile);
  const recorder = new StatusRecorder(opts.statusFile, status, { now: opts.now, graceMs: opts.graceMs ?? DEFAULT_GRACE_MS, flushEveryMs: opts.flushEveryMs });
  const slotsOf = new Map<string, string[]>();
  /** Per customer, the fingerprint of the key the lock has at each slot: a settled customer whose slot got a new key is due. */
  const keysOf = new Map<string, Map<string, string>>();
  for (const s of specs) {
    slotsOf.set(s.customer, [...(slotsOf.get(s.customer) ?? []), s.slot]);
    if (!keysOf.has(s.customer)) keysOf.set(s.customer, new Map());
    if (s.fingerprint) keysOf.get(s.customer)!.set(s.slot, s.fingerprint);
  }
  const due = new Set(
    [...slotsOf].filter(([c, slots]) => isDue(status.customers.get(c), slots, opts.now, opts.recheckAfterMs ?? 0, keysOf.get(c))).map(([c]) => c),
  );
  let run: Awaited<ReturnType<typeof checkSlots>>;
  try {
    run = await checkSlots(
      specs.filter((s) => due.has(s.customer)),
      { ...opts, allSlots: specs, onCustomer: (customer, results) => recorder.record(customer, results) },
    );
    recorder.removeExcept(new Set(slotsOf.keys()));
  } finally {
    recorder.flush(); // what was found before a failure is kept
  }
  const found = new Map(run.results.map((r) => [`${r.customer} ${r.slot}`, r]));
  const at = opts.now.toISOString();
  const slots = specs.map((s) => {
    const r = found.get(`${s.customer} ${s.slot}`);
    if (r) return { ...r, checkedAt: at };
    const record = status.customers.get(s.customer)!;
    const slot = record.slots[s.slot];
    return {
      customer: s.customer,
      slot: s.slot,
      name: s.name,
      target: canonicalName(s.target),
      delegation: s.delegation,
      state: slot.state,
      reason: slot.reason,
      detail: "settled: not checked again in this run",
      fix: "",
      found: {},
      checkedAt: record.lastChecked,
    };
  });
  return {
    slots,
    customers: status.customers,
    events: recorder.events,
    checked: due.size,
    skipped: slotsOf.size - due.size,
    queries: run.queries,
    retried: run.retried,
  };
}
