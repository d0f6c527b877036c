/**
 * dkim.status.json, beside the lock: what the delegation check last found
 * for each customer and where its signing gate stands (gate.ts). Written
 * atomically (a reader sees the old file or the new, never a part), and
 * while a check runs, every few seconds, so an interrupted run loses only
 * what it found since its last write, never what was recorded before.
 * docs/validation.md documents the schema; version 1.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../keys/atomic";
import { parseIsoTime } from "../time";
import { advance, type CustomerRecord, DEFAULT_GRACE_MS, GATE_STATES, type GateEvent } from "./gate";
import { SLOT_STATES, type SlotResult } from "./slot";

export const STATUS_FILE_NAME = "dkim.status.json";

/** The status file of the project whose lock is `lockFile`. */
export const statusFileOf = (lockFile: string): string => join(dirname(lockFile), STATUS_FILE_NAME);

const time = z.string().refine((t) => parseIsoTime(t) !== undefined, "an ISO 8601 time with a zone");
const slotRecord = z.strictObject({
  state: z.enum(SLOT_STATES),
  reason: z.string(),
  since: time,
  ours: z.literal(true).optional(),
  key: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/)
    .optional(),
});
const customerRecord = z.strictObject({
  gate: z.enum(GATE_STATES),
  since: time,
  firstDelegated: time.optional(),
  lastDelegated: time.optional(),
  lastChecked: time,
  reason: z.string().optional(),
  slots: z.record(z.string(), slotRecord),
});
const statusSchema = z.strictObject({ version: z.literal(1), written: time, customers: z.record(z.string(), customerRecord) });

export interface Status {
  readonly customers: Map<string, CustomerRecord>;
}

/** Reads the status file; none yet is an empty status. A file that is not one is an error saying where (never silently reset). */
export function readStatus(file: string): Status {
  if (!existsSync(file)) return { customers: new Map() };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message}): restore it from the last run's copy, or remove it to check every customer afresh`);
  }
  const parsed = statusSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new Error(`${file} is not a dkimctl status file (version 1):\n  ${problems.slice(0, 20).join("\n  ")}`);
  }
  return { customers: new Map(Object.entries(parsed.data.customers) as [string, CustomerRecord][]) };
}

/** The status file's text: customers sorted, so that two runs that find the same differ only in times. */
export function formatStatus(status: Status, written: Date): string {
  const byName = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Fields in the documented order, whatever order a record was built in.
  const customers = Object.fromEntries(
    byName(status.customers).map(([name, r]) => [
      name,
      {
        gate: r.gate,
        since: r.since,
        firstDelegated: r.firstDelegated,
        lastDelegated: r.lastDelegated,
        lastChecked: r.lastChecked,
        reason: r.reason,
        slots: Object.fromEntries(
          byName(Object.entries(r.slots)).map(([slot, v]) => [slot, { state: v.state, reason: v.reason, since: v.since, ours: v.ours, key: v.key }]),
        ),
      },
    ]),
  );
  return `${JSON.stringify({ version: 1, written: written.toISOString(), customers }, null, 1)}\n`;
}

export interface RecorderOptions {
  /** The check's time: every record made in the run carries it. */
  readonly now: Date;
  /** @default 5 days */
  readonly graceMs?: number;
  /** Write at most this often while recording. @default 2000 ms */
  readonly flushEveryMs?: number;
  /** The wall clock that paces the writes. @default Date.now */
  readonly wallClock?: () => number;
}

/**
 * Records a check's results customer by customer into the status, writing
 * the file as it goes (at most every `flushEveryMs`) and once at the end.
 */
export class StatusRecorder {
  readonly events: GateEvent[] = [];
  private lastFlush: number;
  private dirty = false;

  constructor(
    private readonly file: string,
    readonly status: Status,
    private readonly opts: RecorderOptions,
  ) {
    this.lastFlush = (opts.wallClock ?? Date.now)();
  }

  record(customer: string, results: readonly SlotResult[]): void {
    const { record, event } = advance(customer, this.status.customers.get(customer), results, this.opts.now, this.opts.graceMs ?? DEFAULT_GRACE_MS);
    this.status.customers.set(customer, record);
    if (event) this.events.push(event);
    this.dirty = true;
    const now = (this.opts.wallClock ?? Date.now)();
    if (now - this.lastFlush >= (this.opts.flushEveryMs ?? 2000)) this.flush();
  }

  /** Forgets customers no longer configured (they are no longer signed for). */
  removeExcept(configured: ReadonlySet<string>): void {
    for (const customer of [...this.status.customers.keys()]) {
      if (configured.has(customer)) continue;
      this.status.customers.delete(customer);
      this.events.push({ customer, kind: "removed", why: "no longer a customer in the config" });
      this.dirty = true;
    }
  }

  /** Writes the file if anything changed since the last write. */
  flush(): void {
    if (!this.dirty) return;
    writeFileAtomic(this.file, formatStatus(this.status, this.opts.now));
    this.dirty = false;
    this.lastFlush = (this.opts.wallClock ?? Date.now)();
  }
}
