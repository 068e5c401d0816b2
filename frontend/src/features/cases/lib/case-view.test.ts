import { describe, expect, it } from 'vitest';
import { ageHours, deadlineOf, orderTransitions, stateTone } from './case-view';

const NOW = Date.parse('2026-12-04T12:00:00Z');

describe('case view rules', () => {
  it('colours states by who the case waits on', () => {
    expect(stateTone('requested')).toBe('info');
    expect(stateTone('approved')).toBe('warn');
    expect(stateTone('refunded')).toBe('ok');
    expect(stateTone('rejected')).toBe('danger');
    expect(stateTone('closed')).toBe('muted');
  });

  it('shows a deadline only while requested, overdue once passed or flagged', () => {
    expect(deadlineOf({ state: 'approved', due_at: '2026-12-04T13:00:00Z', overdue_at: null }, NOW)).toEqual({ at: null, overdue: false });
    expect(deadlineOf({ state: 'requested', due_at: '2026-12-04T13:00:00Z', overdue_at: null }, NOW)).toEqual({ at: '2026-12-04T13:00:00Z', overdue: false });
    expect(deadlineOf({ state: 'requested', due_at: '2026-12-04T11:59:59Z', overdue_at: null }, NOW).overdue).toBe(true);
    expect(deadlineOf({ state: 'requested', due_at: null, overdue_at: '2026-12-04T10:00:00Z' }, NOW).overdue).toBe(true);
  });

  it('counts age in whole hours, never negative', () => {
    expect(ageHours('2026-12-04T05:30:00Z', NOW)).toBe(6);
    expect(ageHours('2026-12-05T05:30:00Z', NOW)).toBe(0);
    expect(ageHours('garbage', NOW)).toBe(0);
  });

  it('puts final steps last', () => {
    expect(orderTransitions(['rejected', 'approved', 'withdrawn'])).toEqual(['approved', 'rejected', 'withdrawn']);
    expect(orderTransitions(['closed', 'refunded'])).toEqual(['refunded', 'closed']);
  });
});
