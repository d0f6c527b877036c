/** ISO 8601 in UTC to the second (`2026-11-26T04:00:00Z`), as the lock records times. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * A strict ISO 8601 time: `YYYY-MM-DD` (midnight UTC) or
 * `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z`, `±HH:MM` or `±HHMM`. Undefined for
 * anything else, including impossible dates (2026-02-30, hour 24), year 0000
 * and truncated values (2026-11); never shifts a value the way Date.parse does.
 */
export function parseIsoTime(text: string): Date | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? "0");
  const minute = Number(m[5] ?? "0");
  const second = Number(m[6] ?? "0");
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0").slice(0, 3));
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = zoneOffsetMinutes(m[8] ?? "Z");
  if (offset === undefined) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0..99 to 1900..1999
  d.setUTCHours(hour, minute - offset, second, ms);
  return d;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `Z`, `+HH:MM` or `-HHMM` as minutes east of UTC; undefined when out of range. */
function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === "Z") return 0;
  const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  if (Number(hh) > 23 || Number(mm) > 59) return undefined;
  return (sign === "-" ? -1 : 1) * (Number(hh) * 60 + Number(mm));
}
