import type { TFunction } from 'i18next';
import type { components } from '@/api/schema';

type MacroActions = components['schemas']['MacroActions'];
type FieldChange = components['schemas']['FieldChange'];

export interface Names {
  user: (id: string) => string | undefined;
  template: (id: string) => string | undefined;
}

/** A macro's actions in a line of words, for the list and the picker ("priority Urgent, reply with …"). */
export function summarizeActions(a: MacroActions, t: TFunction, names: Names): string[] {
  const out: string[] = [];
  if (a.status) out.push(t('macros.summary.status', { value: t(`status.${a.status}`) }));
  if (a.priority) out.push(t('macros.summary.priority', { value: t(`priority.${a.priority}`) }));
  if (a.category) out.push(t('macros.summary.category', { value: t(`category.${a.category}`) }));
  if (a.add_labels?.length) out.push(t('macros.summary.addLabels', { labels: a.add_labels.join(', ') }));
  if (a.remove_labels?.length) out.push(t('macros.summary.removeLabels', { labels: a.remove_labels.join(', ') }));
  if (a.assign_to === 'me') out.push(t('macros.summary.assignMe'));
  if (a.assign_to === 'nobody') out.push(t('macros.summary.unassign'));
  if (a.assign_to === 'user' && a.assignee_id) {
    out.push(t('macros.summary.assignUser', { name: names.user(a.assignee_id) ?? t('thread.agent') }));
  }
  if (a.snooze) {
    out.push(a.snooze.hours ? t('macros.summary.snoozeHours', { count: a.snooze.hours }) : t('macros.summary.snoozeReply'));
  }
  if (a.note) out.push(t('macros.summary.note'));
  if (a.reply?.template_id) out.push(t('macros.summary.replyTemplate', { name: names.template(a.reply.template_id) ?? '…' }));
  else if (a.reply?.text) out.push(t('macros.summary.replyText'));
  return out;
}

/** One change of a preview in the reader's language: enumerations translated, names as the server gave them. */
export function describeChange(c: FieldChange, t: TFunction, formatTime: (iso: string) => string): string {
  const none = t('macros.change.none');
  switch (c.field) {
    case 'status':
    case 'priority':
    case 'category':
      return t(`macros.change.${c.field}`, {
        from: c.before ? t(`${c.field}.${c.before}`) : none,
        to: c.after ? t(`${c.field}.${c.after}`) : none,
      });
    case 'labels':
      return t('macros.change.labels', { from: c.before || none, to: c.after || none });
    case 'assignee':
      return t('macros.change.assignee', { from: c.before_text ?? none, to: c.after_text ?? none });
    case 'snooze':
      return c.after === 'until_reply' || !c.after
        ? t('macros.change.snoozeReply')
        : t('macros.change.snoozeUntil', { time: formatTime(c.after) });
    case 'note':
      return t('macros.change.note', { text: c.after ?? '' });
    default:
      return c.words;
  }
}
