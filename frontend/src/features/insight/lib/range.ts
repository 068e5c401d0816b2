import type { Range } from '../api/insight';

export const RANGE_DAYS = [7, 30, 56, 90] as const;
export type RangeDays = (typeof RANGE_DAYS)[number];

/** The last `days` days up to the next whole hour (a stable query key within the hour). */
export function lastDays(days: number, now: Date = new Date()): Range {
  const to = new Date(now);
  to.setUTCMinutes(0, 0, 0);
  to.setUTCHours(to.getUTCHours() + 1);
  const from = new Date(to.getTime() - days * 86_400_000);
  return { from: from.toISOString(), to: to.toISOString() };
}

/** Points of a sparkline (an SVG polyline) for counts, oldest first. */
export function sparkline(values: readonly number[], width = 80, height = 20): string {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * height).toFixed(1)}`).join(' ');
}
