/**
 * Progress of a long run on stderr: on a terminal one line redrawn in place
 * (`34/1000 keys, 12s left`); elsewhere (CI logs) a line every few seconds,
 * and nothing at all for a run shorter than that.
 */
import { type Clock, systemClock } from "../clock";
import { formatDuration } from "../duration";
import type { Io } from "./io";

export interface ProgressOptions {
  /** Say nothing (--quiet). */
  readonly quiet?: boolean;
  /** What is counted, e.g. "keys". */
  readonly what: string;
  readonly clock?: Clock;
  /** Between two lines when stderr is not a terminal. @default 5 s */
  readonly everyMs?: number;
  /** Between two redraws on a terminal. @default 100 ms */
  readonly redrawMs?: number;
}

export interface Progress {
  (done: number, total: number): void;
  /** Ends the live line, if one was drawn. */
  end(): void;
}

export function progress(io: Io, opts: ProgressOptions): Progress {
  const clock = opts.clock ?? systemClock;
  const started = clock.now().getTime();
  let last: number | undefined;
  let drawn = false;
  const line = (done: number, total: number, now: number) => {
    const elapsed = now - started;
    const tail = done < total ? `${formatDuration((elapsed / done) * (total - done))} left` : `done in ${formatDuration(elapsed)}`;
    return `${done}/${total} ${opts.what}, ${tail}`;
  };
  const report = ((done: number, total: number) => {
    if (opts.quiet || io.progress === false || total === 0) return;
    const now = clock.now().getTime();
    const finished = done === total;
    if (io.errIsTTY) {
      if (!finished && last !== undefined && now - last < (opts.redrawMs ?? 100)) return;
      io.err(`\r\x1b[K${line(done, total, now)}`);
      drawn = true;
    } else {
      if (now - (last ?? started) < (opts.everyMs ?? 5000)) return;
      io.err(`${line(done, total, now)}\n`);
    }
    last = now;
  }) as Progress;
  report.end = () => {
    if (drawn) io.err("\n");
    drawn = false;
  };
  return report;
}
