import { describe, expect, it } from 'vitest';
import { availabilityOf, coverageGrid, formatLength, lengthToMinutes, wallClockEnd } from './roster';

describe('wallClockEnd', () => {
  it('ends the same day or, for an overnight shift, the next', () => {
    expect(wallClockEnd('09:00', 540)).toEqual({ end: '18:00', nextDay: false });
    expect(wallClockEnd('22:00', 480)).toEqual({ end: '06:00', nextDay: true });
    expect(wallClockEnd('00:00', 1440)).toEqual({ end: '00:00', nextDay: true });
  });
});

describe('lengthToMinutes', () => {
  it('reads hours, decimal hours and h:mm', () => {
    expect(lengthToMinutes('8')).toBe(480);
    expect(lengthToMinutes('7.5')).toBe(450);
    expect(lengthToMinutes('8:30')).toBe(510);
    expect(lengthToMinutes('25')).toBe(1500); // refused by the server, with the reason, on the field
    expect(lengthToMinutes('eight')).toBeNaN();
    expect(formatLength(510)).toBe('8:30');
    expect(formatLength(480)).toBe('8');
  });
});

describe('coverageGrid', () => {
  it('places each hour at its weekday and hour', () => {
    const grid = coverageGrid([
      { weekday: 7, hour: 23, agents_on_shift: 0, traffic: 2.5, gap: true, start: '2026-12-06T15:00:00Z' },
      { weekday: 1, hour: 0, agents_on_shift: 2, traffic: 0, gap: false, start: '2026-12-06T16:00:00Z' },
    ]);
    expect(grid).toHaveLength(7);
    expect(grid[6]![23]).toMatchObject({ agents: 0, gap: true, traffic: 2.5 });
    expect(grid[0]![0]).toMatchObject({ agents: 2, gap: false });
    expect(grid[3]![12]).toBeNull();
  });
});

describe('availabilityOf', () => {
  it('is off shift with a roster and no current shift, else follows presence', () => {
    expect(availabilityOf('online', { on_shift: false, routable: false })).toBe('off_shift');
    expect(availabilityOf('online', { on_shift: true, routable: true })).toBe('available');
    expect(availabilityOf('away', { on_shift: true, routable: true })).toBe('away');
    expect(availabilityOf('online', null)).toBe('available');
    expect(availabilityOf('offline', null)).toBe('away');
  });
});
