import { describe, expect, it } from 'vitest';
import { isOvernight, officeHours, readWeek, validInterval, weeklyHours, writeWeek } from './calendar';

describe('calendar intervals', () => {
  it('reads every spelling the API accepts', () => {
    const week = readWeek({ mon: ['09:00-12:00', '13:00-18:00'], Friday: [['22:00', '06:00']], '6': ['10:00:00-14:00:00'], bogus: ['x'] });
    expect(week.mon).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ]);
    expect(week.fri).toEqual([{ start: '22:00', end: '06:00' }]);
    expect(week.sun).toEqual([{ start: '10:00', end: '14:00' }]);
    expect(week.tue).toEqual([]);
  });

  it('writes only working days, as "HH:MM-HH:MM"', () => {
    expect(writeWeek(officeHours())).toEqual({
      mon: ['09:00-18:00'],
      tue: ['09:00-18:00'],
      wed: ['09:00-18:00'],
      thu: ['09:00-18:00'],
      fri: ['09:00-18:00'],
    });
    expect(writeWeek(readWeek({ fri: [['22:00', '06:00']] }))).toEqual({ fri: ['22:00-06:00'] });
  });

  it('checks times and counts hours, overnight included', () => {
    expect(validInterval({ start: '09:00', end: '18:00' })).toBe(true);
    expect(validInterval({ start: '9:00', end: '18:00' })).toBe(false);
    expect(validInterval({ start: '24:00', end: '18:00' })).toBe(false);
    expect(validInterval({ start: '09:00', end: '09:00' })).toBe(false);
    expect(isOvernight({ start: '22:00', end: '06:00' })).toBe(true);
    expect(weeklyHours(officeHours())).toBe(45);
    expect(weeklyHours(readWeek({ fri: ['22:00-06:00'] }))).toBe(8);
  });
});
