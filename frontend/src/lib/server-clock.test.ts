import { describe, expect, it, vi } from 'vitest';
import { bestOffset, parseIsoMs, parseServerTime, sampleFromTiming, ServerClock } from './server-clock';

describe('parseServerTime', () => {
  it('reads epoch milliseconds', () => {
    expect(parseServerTime('1795456319074')).toBe(1795456319074);
    expect(parseServerTime(' 1795456319074 ')).toBe(1795456319074);
  });
  it('ignores missing or malformed headers', () => {
    expect(parseServerTime(null)).toBeNull();
    expect(parseServerTime('')).toBeNull();
    expect(parseServerTime('Mon, 23 Nov 2026')).toBeNull();
    expect(parseServerTime('-5')).toBeNull();
  });
});

describe('sampleFromTiming', () => {
  it('assumes the server stamped the response halfway through the round trip', () => {
    // Sent at 1000, received at 1200 (local); the server said 6100: midpoint 1100 -> offset 5000.
    expect(sampleFromTiming(1_000, 1_200, 6_100)).toEqual({ offsetMs: 5_000, rttMs: 200, takenAt: 1_200 });
  });
  it('handles a server behind the browser', () => {
    expect(sampleFromTiming(10_000, 10_040, 7_020).offsetMs).toBe(-3_000);
  });
});

describe('bestOffset', () => {
  it('trusts the sample with the shortest round trip', () => {
    expect(
      bestOffset([
        { offsetMs: 900, rttMs: 800, takenAt: 1 },
        { offsetMs: 1_010, rttMs: 20, takenAt: 2 },
        { offsetMs: 1_200, rttMs: 400, takenAt: 3 },
      ]),
    ).toBe(1_010);
  });
  it('is zero without samples', () => {
    expect(bestOffset([])).toBe(0);
  });
});

describe('ServerClock', () => {
  it('corrects now() by the best offset and notifies subscribers when it changes', () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    const listener = vi.fn();
    clock.subscribe(listener);
    expect(clock.now()).toBe(1_000_000);

    clock.record(sampleFromTiming(local - 300, local, local + 4_850)); // rtt 300
    expect(clock.offsetMs()).toBe(5_000);
    expect(listener).toHaveBeenCalledTimes(1);

    local += 1_000;
    clock.record(sampleFromTiming(local - 20, local, local + 2_990)); // rtt 20: better
    expect(clock.offsetMs()).toBe(3_000);
    expect(clock.now()).toBe(local + 3_000);

    local += 1_000;
    clock.record(sampleFromTiming(local - 900, local, local + 10_000)); // rtt 900: ignored
    expect(clock.offsetMs()).toBe(3_000);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('forgets samples older than ten minutes (the browser clock may have been stepped)', () => {
    let local = 0;
    const clock = new ServerClock(() => local);
    clock.record(sampleFromTiming(local, local + 10, local + 1_005)); // offset 1000, rtt 10
    local = 11 * 60_000;
    clock.record(sampleFromTiming(local - 500, local, local + 2_000 - 250)); // offset 2000, rtt 500
    expect(clock.offsetMs()).toBe(2_000);
  });
});

describe('parseIsoMs', () => {
  it('reads the server’s microsecond timestamps', () => {
    expect(parseIsoMs('2026-11-23T19:20:49.677959+00:00')).toBe(Date.UTC(2026, 10, 23, 19, 20, 49, 677));
    expect(parseIsoMs('2026-11-23T19:20:49Z')).toBe(Date.UTC(2026, 10, 23, 19, 20, 49));
    expect(parseIsoMs('soon')).toBeNull();
    expect(parseIsoMs(null)).toBeNull();
  });
});

describe('ServerClock with pushed frames', () => {
  it('uses frame times as a floor: raises an estimate below it, ignores frames consistent with it', () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    clock.record(sampleFromTiming(local - 200, local, local + 4_900)); // offset 5000 ± 100
    // A frame stamped 5_050 ms ahead of our clock on arrival: the server was at least that far ahead.
    local += 1_000;
    clock.recordPushed(local + 5_050, local);
    expect(clock.offsetMs()).toBe(5_050);
    // A frame that spent 300 ms in flight says "at least 4_700": no news.
    local += 1_000;
    clock.recordPushed(local + 4_700, local);
    expect(clock.offsetMs()).toBe(5_050);
  });

  it('works from frames alone before any HTTP response, and forgets old floors', () => {
    let local = 0;
    const clock = new ServerClock(() => local);
    clock.recordPushed(local + 2_000, local);
    expect(clock.offsetMs()).toBe(2_000);
    local = 3 * 60_000;
    clock.recordPushed(local + 1_000, local); // the old floor (2 s) expired
    expect(clock.offsetMs()).toBe(1_000);
  });
});
