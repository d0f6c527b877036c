/** ISO 8601 in UTC to the second (`2026-11-26T04:00:00Z`), as the lock records times. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
