/** The areas an action belongs to (its prefix), offered as the audit log's action filter. */
export const AUDIT_AREAS = [
  'api_key',
  'assignment_rule',
  'automation_rule',
  'bulk_job',
  'calendar',
  'case',
  'channel',
  'conversation',
  'csat',
  'customer',
  'draft_lock',
  'export',
  'knowledge',
  'message',
  'note',
  'order',
  'privacy',
  'report_schedule',
  'saved_view',
  'shift',
  'sla_policy',
  'team',
  'template',
  'translation',
  'user',
  'webhook',
] as const;

export const TARGET_TYPES = ['conversation', 'case', 'customer', 'user', 'team', 'template', 'channel', 'export', 'webhook', 'organization'] as const;

/**
 * The i18n key of an action's human wording (`audit.actions.case.created`), or null for an action
 * the SPA has no wording for (shown as its name). Actions are `<area>.<verb>`: one level of nesting.
 */
export function actionKey(action: string, known: (key: string) => boolean): string | null {
  const [area, ...rest] = action.split('.');
  if (!area || rest.length !== 1) return null;
  const key = `audit.actions.${area}.${rest[0]}`;
  return known(key) ? key : null;
}
