import { describe, expect, it } from 'vitest';
import { lastDays, sparkline } from './range';

describe('lastDays', () => {
  it('ends at the next whole hour and spans the days', () => {
    const r = lastDays(7, new Date('2026-12-05T05:20:00Z'));
    expect(r.to).toBe('2026-12-05T06:00:00.000Z');
    expect(r.from).toBe('2026-11-28T06:00:00.000Z');
  });
});

describe('sparkline', () => {
  it('scales to the maximum, oldest first', () => {
    expect(sparkline([0, 2, 4], 80, 20)).toBe('0.0,20.0 40.0,10.0 80.0,0.0');
  });
  it('is empty without values and flat for zeros', () => {
    expect(sparkline([])).toBe('');
    expect(sparkline([0, 0], 10, 10)).toBe('0.0,10.0 10.0,10.0');
  });
});
