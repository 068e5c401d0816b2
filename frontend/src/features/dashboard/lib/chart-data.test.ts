import { describe, expect, it } from 'vitest';
import { chartThreshold, marketplacesIn, periodSeries, rateHealth, type RateReport, type RateRow } from './chart-data';

const row = (marketplace: string, answered: number, missed: number, threshold: number | null = 0.9): RateRow => ({
  marketplace,
  channel_id: null,
  answered_in_time: answered,
  missed,
  rate: answered + missed ? answered / (answered + missed) : null,
  threshold,
  threshold_source: null,
  misses_absorbable: null,
  previous_rate: null,
  trend: 'unknown',
});

const report = (days: number, rows: RateRow[]): RateReport => ({
  window_days: days,
  window_start: '2026-11-01T00:00:00Z',
  window_end: '2026-11-23T00:00:00Z',
  marketplaces: rows,
  channels: [],
});

const reports = [
  report(30, [row('amazon', 50, 6), row('walmart', 20, 0, 0.95)]),
  report(7, [row('amazon', 10, 0), row('walmart', 5, 0, 0.95)]),
  report(14, [row('amazon', 25, 5), row('walmart', 9, 0, 0.95)]),
];

describe('periodSeries', () => {
  it('differences nested windows into disjoint periods, oldest first', () => {
    const amazon = periodSeries(reports, 'amazon');
    expect(amazon.map((p) => [p.fromDays, p.toDays, p.answered, p.missed])).toEqual([
      [30, 14, 25, 1],
      [14, 7, 15, 5],
      [7, 0, 10, 0],
    ]);
    expect(amazon[1]!.rate).toBe(0.75);
    expect(amazon[2]!.rate).toBe(1);
    expect(amazon[0]!.answeredPerDay).toBe(1.56); // 25 over 16 days
  });

  it('sums every marketplace when none is chosen', () => {
    const all = periodSeries(reports, null);
    expect(all.at(-1)).toMatchObject({ answered: 15, missed: 0 });
    expect(all[0]).toMatchObject({ answered: 36, missed: 1 });
  });

  it('has no rate for a period without answered or missed messages, and never negative counts', () => {
    const quiet = periodSeries([report(7, [row('ebay', 3, 1)]), report(14, [row('ebay', 2, 1)])], 'ebay');
    expect(quiet[0]).toMatchObject({ answered: 0, missed: 0, rate: null });
    expect(periodSeries([report(7, [])], 'ebay')[0]!.rate).toBeNull();
  });

  it('skips a repeated window', () => {
    expect(periodSeries([report(7, [row('a', 1, 0)]), report(7, [row('a', 1, 0)])], 'a')).toHaveLength(1);
  });
});

describe('chart helpers', () => {
  it('knows the threshold of one marketplace, none for all', () => {
    expect(chartThreshold(reports, 'walmart')).toBe(0.95);
    expect(chartThreshold(reports, null)).toBeNull();
    expect(chartThreshold(reports, 'ebay')).toBeNull();
  });
  it('lists marketplaces', () => {
    expect(marketplacesIn(reports)).toEqual(['amazon', 'walmart']);
  });
  it('grades a rate against its threshold', () => {
    expect(rateHealth({ rate: null, threshold: 0.9, misses_absorbable: 0 })).toBe('none');
    expect(rateHealth({ rate: 0.8, threshold: 0.9, misses_absorbable: 0 })).toBe('below');
    expect(rateHealth({ rate: 0.91, threshold: 0.9, misses_absorbable: 1 })).toBe('tight');
    expect(rateHealth({ rate: 0.99, threshold: 0.9, misses_absorbable: 12 })).toBe('ok');
    expect(rateHealth({ rate: 0.5, threshold: null, misses_absorbable: null })).toBe('ok');
  });
});
