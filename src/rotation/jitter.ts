/**
 * Customers brought in together would all fall due for rotation on the same
 * day, and every run of rotate after would repeat it. Each customer falls due
 * a little earlier than `every`, by a share of it fixed by its name, so that
 * a batch spreads over a tenth of `every` at its first rotation and further
 * at each one after (each customer keeps its own period).
 */
import { createHash } from "node:crypto";

/** The largest share of `every` a customer falls due early by. */
export const JITTER_SHARE = 0.1;

/**
 * How much earlier than `every` after its key became active `name` falls due
 * (milliseconds, whole seconds, in [0, every * JITTER_SHARE)): the first 48
 * bits of SHA-256 of the name as a fraction, the same on every run and
 * every machine.
 */
export function rotationJitter(name: string, every: number): number {
  const fraction = createHash("sha256").update(name, "utf8").digest().readUIntBE(0, 6) / 2 ** 48;
  return Math.floor((fraction * every * JITTER_SHARE) / 1000) * 1000;
}
