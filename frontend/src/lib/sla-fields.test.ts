import { describe, expect, it } from 'vitest';
import { hasSlaFields, readClocks, readSla, slaPatch } from './sla-fields';

describe('readSla', () => {
  it('shows nothing for a conversation without SLA fields (API before they landed)', () => {
    const conversation = { id: 'c1', subject: 'x' };
    expect(hasSlaFields(conversation)).toBe(false);
    expect(readSla(conversation)).toEqual({ state: null, deadline: null, dueSoonAt: null });
  });

  it('reads state, deadline and due-soon time', () => {
    const conversation = { sla_state: 'due_soon', sla_deadline: '2026-11-23T12:00:00Z', sla_due_soon_at: '2026-11-23T06:00:00Z' };
    expect(hasSlaFields(conversation)).toBe(true);
    expect(readSla(conversation)).toEqual({
      state: 'due_soon',
      deadline: '2026-11-23T12:00:00Z',
      dueSoonAt: '2026-11-23T06:00:00Z',
    });
  });

  it('ignores values it does not understand', () => {
    expect(readSla({ sla_state: 'late', sla_deadline: 42 })).toEqual({ state: null, deadline: null, dueSoonAt: null });
  });
});

describe('readClocks', () => {
  it('is null when the detail has no clocks', () => {
    expect(readClocks({})).toBeNull();
  });

  it('understands the clock lifecycle vocabulary (running, met, breached, paused)', () => {
    const clocks = readClocks({
      clocks: [
        { kind: 'marketplace_first_response', state: 'running', paused: false, due_at: '2026-11-24T00:00:00Z', due_soon_at: '2026-11-23T18:00:00Z', policy_name: 'Amazon 24 h', reason: 'marketplace amazon' },
        { kind: 'internal_first_response', state: 'running', paused: true, due_at: null },
        { kind: 'internal_resolution', state: 'met', due_at: '2026-11-24T00:00:00Z', stop_reason: 'reply' },
        { kind: 'marketplace_next_response', state: 'breached', due_at: '2026-11-22T00:00:00Z' },
      ],
    });
    expect(clocks?.map((c) => [c.phase, c.state])).toEqual([
      ['running', 'ok'],
      ['paused', null],
      ['met', null],
      ['breached', 'overdue'],
    ]);
    expect(clocks?.[0]).toMatchObject({ deadline: '2026-11-24T00:00:00Z', dueSoonAt: '2026-11-23T18:00:00Z', policyName: 'Amazon 24 h' });
    expect(clocks?.[2]?.stopReason).toBe('reply');
  });

  it('also accepts the summary vocabulary with a `deadline` field', () => {
    const clocks = readClocks({ clocks: [{ kind: 'x', state: 'due_soon', deadline: '2026-11-24T00:00:00Z' }] });
    expect(clocks?.[0]).toMatchObject({ phase: 'running', state: 'due_soon', deadline: '2026-11-24T00:00:00Z' });
  });
});

describe('slaPatch', () => {
  it('keeps only the SLA fields an event carried', () => {
    expect(slaPatch({ conversation_id: 'c', sla_state: 'overdue', other: 1 })).toEqual({ sla_state: 'overdue' });
    expect(slaPatch({ sla_deadline: null })).toEqual({ sla_deadline: null });
  });
});
