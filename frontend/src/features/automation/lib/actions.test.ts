import { describe, expect, it } from 'vitest';
import { actionIncomplete, actionToDraft, draftToAction, emptyAction } from './actions';

describe('auto-reply actions', () => {
  it('round-trips every action type', () => {
    const actions = [
      { type: 'send_template', template_id: 't1' },
      { type: 'add_label', label: 'returns' },
      { type: 'set_priority', priority: 'urgent' },
      { type: 'assign', user_id: null, team_id: 'team1' },
      { type: 'remind', after_minutes: 120, user_id: null, note: 'check the refund' },
    ];
    expect(actions.map((a) => draftToAction(actionToDraft(a)))).toEqual(actions);
  });

  it('keeps other fields when the type changes', () => {
    const d = { ...actionToDraft({ type: 'add_label', label: 'vip' }), type: 'set_priority' as const };
    expect(draftToAction(d)).toEqual({ type: 'set_priority', priority: 'high' });
    expect(draftToAction({ ...d, type: 'add_label' })).toEqual({ type: 'add_label', label: 'vip' });
  });

  it('knows an incomplete row', () => {
    expect(actionIncomplete(emptyAction('send_template'))).toBe(true);
    expect(actionIncomplete({ ...emptyAction('assign'), teamId: 'x' })).toBe(false);
    expect(actionIncomplete(emptyAction('set_priority'))).toBe(false);
    expect(actionIncomplete({ ...emptyAction('add_label'), label: '  ' })).toBe(true);
  });
});
