import { describe, expect, it, vi } from 'vitest';
import { bestOffset, parseServerTime, sampleFromTiming, ServerClock } from './server-clock';

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
