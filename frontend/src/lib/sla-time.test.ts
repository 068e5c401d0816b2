import { describe, expect, it } from 'vitest';
import { badgeTone, formatCountdown, msUntilNextServerSecond, parseDeadline, remainingMs } from './sla-time';

const HOUR = 3_600_000;

describe('remainingMs', () => {
  it('counts down on the server clock, not the browser clock', () => {
    const deadline = Date.parse('2026-11-23T12:00:00Z');
    const local = Date.parse('2026-11-23T11:00:00Z');
    // The browser runs 30 s slow: the server is already at 11:00:30.
    expect(remainingMs(deadline, local, 30_000)).toBe(HOUR - 30_000);
    // The browser runs 2 minutes fast.
    expect(remainingMs(deadline, local, -120_000)).toBe(HOUR + 120_000);
  });

  it('goes negative past the deadline', () => {
    expect(remainingMs(1_000, 6_000, 0)).toBe(-5_000);
  });
});

describe('badgeTone', () => {
  it('is hidden without a deadline or when the clock stopped', () => {
    expect(badgeTone('ok', null)).toBeNull();
    expect(badgeTone('none', 10 * HOUR)).toBeNull();
  });

  it('is green while on time and amber when the server says due soon', () => {
    expect(badgeTone('ok', 10 * HOUR)).toBe('green');
    expect(badgeTone(null, 10 * HOUR)).toBe('green');
    expect(badgeTone('due_soon', 2 * HOUR)).toBe('amber');
  });

  it('turns amber locally at due_soon_at without waiting for the server', () => {
    expect(badgeTone('ok', 6 * HOUR, 1)).toBe('green');
    expect(badgeTone('ok', 6 * HOUR, 0)).toBe('amber');
    expect(badgeTone('ok', 5 * HOUR, -HOUR)).toBe('amber');
  });

  it('flips to red exactly at the deadline even if the server still says due soon', () => {
    expect(badgeTone('due_soon', 1)).toBe('amber');
    expect(badgeTone('due_soon', 0)).toBe('red');
    expect(badgeTone('ok', -1)).toBe('red');
  });

  it('never downgrades the server: overdue stays red even if the local clock lags', () => {
    expect(badgeTone('overdue', 2_000)).toBe('red');
  });
});

describe('formatCountdown', () => {
  it('shows hours, minutes and seconds', () => {
    expect(formatCountdown(HOUR + 2 * 60_000 + 3_000)).toBe('01:02:03');
    expect(formatCountdown(23 * HOUR + 59 * 60_000 + 59_000)).toBe('23:59:59');
  });

  it('adds days for the 48-hour Walmart clock', () => {
    expect(formatCountdown(48 * HOUR)).toBe('2d 00:00:00');
    expect(formatCountdown(47 * HOUR + 59 * 60_000 + 59_999)).toBe('1d 23:59:59');
  });

  it('drops one second per whole-second tick across the deadline', () => {
    expect(formatCountdown(2_000)).toBe('00:00:02');
    expect(formatCountdown(1_999)).toBe('00:00:01');
    expect(formatCountdown(1_000)).toBe('00:00:01');
    expect(formatCountdown(999)).toBe('00:00:00');
    expect(formatCountdown(0)).toBe('00:00:00');
    expect(formatCountdown(-1)).toBe('-00:00:01');
    expect(formatCountdown(-1_000)).toBe('-00:00:01');
    expect(formatCountdown(-1_001)).toBe('-00:00:02');
  });

  it('counts up once overdue', () => {
    expect(formatCountdown(-(5 * 60_000 + 12_000))).toBe('-00:05:12');
    expect(formatCountdown(-(26 * HOUR))).toBe('-1d 02:00:00');
  });
});

describe('msUntilNextServerSecond', () => {
  it('aligns ticks to whole seconds of server time', () => {
    expect(msUntilNextServerSecond(10_250, 0)).toBe(750);
    expect(msUntilNextServerSecond(10_250, 500)).toBe(250);
    expect(msUntilNextServerSecond(10_250, -300)).toBe(50);
  });

  it('waits a full second when already on a boundary', () => {
    expect(msUntilNextServerSecond(10_000, 0)).toBe(1_000);
    expect(msUntilNextServerSecond(10_300, -300)).toBe(1_000);
  });
});

describe('parseDeadline', () => {
  it('parses ISO datetimes with a zone and rejects the rest', () => {
    expect(parseDeadline('2026-11-23T12:00:00Z')).toBe(Date.parse('2026-11-23T12:00:00Z'));
    expect(parseDeadline('2026-11-23T20:00:00+08:00')).toBe(Date.parse('2026-11-23T12:00:00Z'));
    expect(parseDeadline(null)).toBeNull();
    expect(parseDeadline('')).toBeNull();
    expect(parseDeadline('soon')).toBeNull();
  });
});
