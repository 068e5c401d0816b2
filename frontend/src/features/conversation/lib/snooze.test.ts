import { describe, expect, it } from 'vitest';
import type { SlaClock } from '@/lib/sla-fields';
import { presetTime, snoozeWarning, toLocalInput } from './snooze';

const clock = (kind: string, deadline: string, phase: SlaClock['phase'] = 'running'): SlaClock => ({
  kind,
  phase,
  state: 'ok',
  deadline,
  dueSoonAt: null,
  policyName: null,
  reason: null,
  reasonDetail: null,
  stopReason: null,
});

describe('snooze', () => {
  it('computes presets in local time', () => {
    const wed = new Date(2026, 11, 2, 15, 30); // a Wednesday
    expect(presetTime('oneHour', wed).getTime()).toBe(wed.getTime() + 3_600_000);
    expect(toLocalInput(presetTime('tomorrow', wed))).toBe('2026-12-03T09:00');
    expect(toLocalInput(presetTime('nextWeek', wed))).toBe('2026-12-07T09:00');
    const mon = new Date(2026, 11, 7, 8, 0);
    expect(toLocalInput(presetTime('nextWeek', mon))).toBe('2026-12-14T09:00');
  });

  it('warns when a running deadline falls inside the snooze, marketplace clocks first', () => {
    const clocks = [
      clock('internal_first_response', '2026-12-05T10:00:00Z'),
      clock('marketplace_first_response', '2026-12-05T12:00:00Z'),
      clock('marketplace_next_response', '2026-12-05T09:00:00Z', 'met'),
    ];
    expect(snoozeWarning(clocks, new Date('2026-12-05T13:00:00Z'))).toEqual({ kind: 'inside', clock: clocks[1] });
    expect(snoozeWarning(clocks, new Date('2026-12-05T11:00:00Z'))).toEqual({ kind: 'inside', clock: clocks[0] });
    expect(snoozeWarning(clocks, new Date('2026-12-05T09:30:00Z'))).toBeNull();
    expect(snoozeWarning(clocks, null)).toEqual({ kind: 'running', clock: clocks[1] });
    expect(snoozeWarning([], null)).toBeNull();
    expect(snoozeWarning(null, new Date())).toBeNull();
  });
});
