/**
 * Auto-reply actions as the API takes them (a discriminated union on `type`) and as the editor
 * holds them: one flat draft per row, so switching a row's type keeps what was typed elsewhere.
 */
export type ActionType = 'send_template' | 'add_label' | 'set_priority' | 'assign' | 'remind';
export const ACTION_TYPES: readonly ActionType[] = ['send_template', 'add_label', 'set_priority', 'assign', 'remind'];
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface ActionDraft {
  type: ActionType;
  templateId: string;
  label: string;
  priority: Priority;
  userId: string;
  teamId: string;
  afterMinutes: number;
  note: string;
}

export type Action =
  | { type: 'send_template'; template_id: string }
  | { type: 'add_label'; label: string }
  | { type: 'set_priority'; priority: Priority }
  | { type: 'assign'; user_id: string | null; team_id: string | null }
  | { type: 'remind'; after_minutes: number; user_id: string | null; note: string };

export function emptyAction(type: ActionType = 'send_template'): ActionDraft {
  return { type, templateId: '', label: '', priority: 'high', userId: '', teamId: '', afterMinutes: 60, note: '' };
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '');

export function actionToDraft(raw: Record<string, unknown>): ActionDraft {
  const type = ACTION_TYPES.find((t) => t === raw['type']) ?? 'add_label';
  const priority = (['low', 'normal', 'high', 'urgent'] as const).find((p) => p === raw['priority']) ?? 'high';
  return {
    ...emptyAction(type),
    templateId: s(raw['template_id']),
    label: s(raw['label']),
    priority,
    userId: s(raw['user_id']),
    teamId: s(raw['team_id']),
    afterMinutes: typeof raw['after_minutes'] === 'number' ? raw['after_minutes'] : 60,
    note: s(raw['note']),
  };
}

export function draftToAction(d: ActionDraft): Action {
  switch (d.type) {
    case 'send_template':
      return { type: 'send_template', template_id: d.templateId };
    case 'add_label':
      return { type: 'add_label', label: d.label.trim() };
    case 'set_priority':
      return { type: 'set_priority', priority: d.priority };
    case 'assign':
      return { type: 'assign', user_id: d.userId || null, team_id: d.teamId || null };
    case 'remind':
      return { type: 'remind', after_minutes: d.afterMinutes, user_id: d.userId || null, note: d.note };
  }
}

/** A row the API would refuse, said before sending. */
export function actionIncomplete(d: ActionDraft): boolean {
  switch (d.type) {
    case 'send_template':
      return !d.templateId;
    case 'add_label':
      return !d.label.trim();
    case 'assign':
      return !d.userId && !d.teamId;
    case 'remind':
      return !(d.afterMinutes >= 1);
    default:
      return false;
  }
}
