import type { components } from '@/api/schema';

/**
 * The response-rate API answers for rolling windows ending now (7, 14, 30, 60, 90 days). Nested
 * windows difference into disjoint periods: what the 14-day window has beyond the 7-day one
 * happened 8–14 days ago, and so on. That gives a real series over time from the API's own
 * figures, without inventing a point: each period's answered-in-time and missed counts, its rate,
 * and per-day averages so periods of different lengths compare.
 */
export type RateReport = components['schemas']['ResponseRateReport'];
export type RateRow = components['schemas']['RateRow'];

export interface PeriodPoint {
  /** days ago the period starts (older edge) and ends (newer edge): 14 → 7 means "8–14 days ago" */
  fromDays: number;
  toDays: number;
  answered: number;
  missed: number;
  rate: number | null;
  answeredPerDay: number;
  missedPerDay: number;
}

function totals(report: RateReport, marketplace: string | null): { answered: number; missed: number } {
  let answered = 0;
  let missed = 0;
  for (const row of report.marketplaces) {
    if (marketplace !== null && row.marketplace !== marketplace) continue;
    answered += row.answered_in_time;
    missed += row.missed;
  }
  return { answered, missed };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Oldest period first; `marketplace` null sums every marketplace. */
export function periodSeries(reports: readonly RateReport[], marketplace: string | null): PeriodPoint[] {
  const sorted = [...reports].sort((a, b) => a.window_days - b.window_days);
  const points: PeriodPoint[] = [];
  let prev = { days: 0, answered: 0, missed: 0 };
  for (const report of sorted) {
    if (report.window_days <= prev.days) continue;
    const t = totals(report, marketplace);
    // The windows were computed a few milliseconds apart; a clock that changed state in between
    // could make a difference dip below zero. Counts are never negative.
    const answered = Math.max(0, t.answered - prev.answered);
    const missed = Math.max(0, t.missed - prev.missed);
    const days = report.window_days - prev.days;
    points.push({
      fromDays: report.window_days,
      toDays: prev.days,
      answered,
      missed,
      rate: answered + missed > 0 ? answered / (answered + missed) : null,
      answeredPerDay: round2(answered / days),
      missedPerDay: round2(missed / days),
    });
    prev = { days: report.window_days, answered: Math.max(prev.answered, t.answered), missed: Math.max(prev.missed, t.missed) };
  }
  return points.reverse();
}

/** The threshold that applies to the chart: one marketplace's, or none for several. */
export function chartThreshold(reports: readonly RateReport[], marketplace: string | null): number | null {
  if (marketplace === null) return null;
  for (const report of reports) {
    const row = report.marketplaces.find((r) => r.marketplace === marketplace);
    if (row?.threshold !== null && row?.threshold !== undefined) return row.threshold;
  }
  return null;
}

/** Marketplaces that appear in any window, in a stable order. */
export function marketplacesIn(reports: readonly RateReport[]): string[] {
  const seen = new Set<string>();
  for (const report of reports) for (const row of report.marketplaces) seen.add(row.marketplace);
  return [...seen].sort();
}

/** Where the threshold sits on a 0–100 % bar, and whether the rate is under it. */
export function rateHealth(row: Pick<RateRow, 'rate' | 'threshold' | 'misses_absorbable'>): 'none' | 'ok' | 'tight' | 'below' {
  if (row.rate === null) return 'none';
  if (row.threshold === null) return 'ok';
  if (row.rate < row.threshold) return 'below';
  if (row.misses_absorbable !== null && row.misses_absorbable <= 1) return 'tight';
  return 'ok';
}
