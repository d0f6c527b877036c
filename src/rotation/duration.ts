/** Durations as people write them in domains.yaml: `90s`, `15m`, `12h`, `3d`, `2w`. */

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds, or undefined when `text` is not `<whole number><s|m|h|d|w>`. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

/** The shortest exact form: 86400000 -> `1d`. */
export function formatDuration(ms: number): string {
  for (const unit of ["w", "d", "h", "m", "s"]) if (ms % UNITS[unit] === 0 && ms >= UNITS[unit]) return `${ms / UNITS[unit]}${unit}`;
  return `${ms}ms`;
}

export const DURATION_PATTERN = "^\\d{1,6}[smhdw]$";
