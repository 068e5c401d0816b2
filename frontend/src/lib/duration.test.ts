import { describe, expect, it } from 'vitest';
import { formatDuration, splitDuration, toSeconds } from './duration';

describe('duration', () => {
  it('splits seconds into the largest exact unit', () => {
    expect(splitDuration(86400)).toEqual({ value: 24, unit: 'hours' });
    expect(splitDuration(48 * 3600)).toEqual({ value: 48, unit: 'hours' });
    expect(splitDuration(7 * 86400)).toEqual({ value: 7, unit: 'days' });
    expect(splitDuration(5400)).toEqual({ value: 90, unit: 'minutes' });
    expect(splitDuration(60)).toEqual({ value: 1, unit: 'minutes' });
  });
  it('converts back', () => {
    expect(toSeconds(24, 'hours')).toBe(86400);
    expect(toSeconds(1.5, 'hours')).toBe(5400);
    expect(toSeconds(90, 'minutes')).toBe(5400);
    expect(toSeconds(2, 'days')).toBe(172800);
  });
  it('formats compactly', () => {
    expect(formatDuration(86400)).toBe('24 h');
    expect(formatDuration(48 * 3600)).toBe('48 h');
    expect(formatDuration(76 * 3600)).toBe('3 d 4 h');
    expect(formatDuration(7 * 86400)).toBe('7 d');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(45 * 60)).toBe('45 min');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(3600, { d: '天', h: '小时', min: '分钟' })).toBe('1 小时');
  });
});
