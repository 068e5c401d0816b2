import { describe, expect, it } from 'vitest';
import { change, formatSeconds, lastDays, rangeDays, rangeParams } from './date-range';

describe('date ranges', () => {
  it('last 7 days include today', () => {
    const r = lastDays(7, new Date(2026, 11, 5, 15, 30));
    expect(r).toEqual({ from: '2026-11-29', to: '2026-12-05' });
    expect(rangeDays(r)).toBe(7);
  });

  it('params run from local midnight to the midnight after the last day', () => {
    const p = rangeParams({ from: '2026-12-01', to: '2026-12-01' });
    expect(new Date(p.to).getTime() - new Date(p.from).getTime()).toBe(86_400_000);
    expect(new Date(p.from).getHours()).toBe(0);
  });

  it('change against the previous period', () => {
    expect(change(12, 10)).toBeCloseTo(0.2);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });

  it('formats durations', () => {
    expect(formatSeconds(null)).toBe('—');
    expect(formatSeconds(42)).toBe('42 s');
    expect(formatSeconds(600)).toBe('10 min');
    expect(formatSeconds(5400)).toBe('1.5 h');
    expect(formatSeconds(172_800)).toBe('2.0 d');
  });
});
