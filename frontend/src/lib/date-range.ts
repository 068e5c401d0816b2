/**
 * Report ranges: whole local days, `to` exclusive, sent to the API as instants with their offset.
 * The previous period (for comparisons) is computed by the API; this only builds and checks ranges.
 */
export interface DateRange {
  /** yyyy-mm-dd, local, inclusive */
  from: string;
  /** yyyy-mm-dd, local, inclusive */
  to: string;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The last `days` days, today included. */
export function lastDays(days: number, now: Date = new Date()): DateRange {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return { from: isoDate(start), to: isoDate(now) };
}

/** Local midnight of a yyyy-mm-dd as an ISO instant with offset. */
function midnight(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** Query parameters for the reports API: from local midnight to the midnight after `to`. */
export function rangeParams(range: DateRange): { from: string; to: string } {
  return { from: midnight(range.from), to: midnight(range.to, 1) };
}

export function rangeDays(range: DateRange): number {
  const [a, b] = [midnight(range.from), midnight(range.to, 1)].map((s) => new Date(s).getTime()) as [number, number];
  return Math.round((b - a) / 86_400_000);
}

/** Relative change against the previous period; null when there is nothing to compare with. */
export function change(current: number | null | undefined, previous: number | null | undefined): number | null {
  if (current === null || current === undefined || previous === null || previous === undefined || previous === 0) return null;
  return (current - previous) / previous;
}

/** Seconds as a short duration: 45 s, 12 min, 3.5 h, 2.1 d. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}
