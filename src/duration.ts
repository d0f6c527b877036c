/**
 * Durations, one syntax everywhere (domains.yaml rotation policies, `verify
 * --wait`): one or more `<whole number><unit>`, units in the order w d h m s,
 * e.g. `90s`, `10m`, `1h30m`, `3d`, `2w`.
 */

const UNITS = [
  ["w", 604_800_000],
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
] as const;

/** For JSON Schema: the same grammar as parseDuration. */
export const DURATION_PATTERN = "^(?=\\d)(\\d{1,6}w)?(\\d{1,6}d)?(\\d{1,6}h)?(\\d{1,6}m)?(\\d{1,6}s)?$";
const DURATION = new RegExp(DURATION_PATTERN);

/** Milliseconds, or undefined when `text` does not follow the grammar. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  return UNITS.reduce((ms, [, size], i) => ms + (m[i + 1] === undefined ? 0 : parseInt(m[i + 1], 10) * size), 0);
}

/** Whole seconds (rounded up) in the largest units: `1w`, `3d`, `1m 30s`, `1h 1m 1s`, `0s`. */
export function formatDuration(ms: number): string {
  let left = Math.max(0, Math.ceil(ms / 1000)) * 1000;
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  return parts.length ? parts.join(" ") : "0s";
}
