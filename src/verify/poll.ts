/** Waiting for DNS: checks again until every record is ok or time runs out. */
import type { Clock } from "../clock";
import type { DesiredRecord } from "../records";
import type { Check } from "./compare";
import type { Checker } from "./gather";

export interface PollOptions {
  /** How long to keep trying; 0 checks once. */
  readonly waitMs: number;
  readonly clock: Clock;
  /** Told before each pause: this round's checks and the time left. */
  readonly progress: (checks: readonly Check[], leftMs: number) => void;
  /** Pause before round `round + 1` (0-based), before capping by the time left. @default 2s, 4s, 8s, then 10s */
  readonly interval?: (round: number) => number;
}

export const defaultInterval = (round: number): number => Math.min(10_000, 2_000 * 2 ** round);

/** Checks until every record is ok or `waitMs` has passed; returns the last round's checks. */
export async function pollUntilOk(records: readonly DesiredRecord[], check: Checker, opts: PollOptions): Promise<Check[]> {
  const deadline = opts.clock.now().getTime() + opts.waitMs;
  const interval = opts.interval ?? defaultInterval;
  for (let round = 0; ; round++) {
    const checks = await check(records);
    const left = deadline - opts.clock.now().getTime();
    if (checks.every((c) => c.status === "ok") || left <= 0) return checks;
    opts.progress(checks, left);
    await opts.clock.sleep(Math.max(0, Math.min(interval(round), left)));
  }
}
