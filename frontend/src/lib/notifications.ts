/**
 * Notifications addressed to the current user (escalations, failed replies, reminders), as they
 * arrive over the WebSocket (`notification` frames) or from `GET /v1/notifications`, and how they
 * read in the agent's language. The server writes English titles ("Overdue: 111-395…") and
 * bodies; the kind and the structured data say the same thing, so the UI words it itself and keeps
 * the server's reference (order id or subject) and free text (a reminder's note, a refusal reason).
 */
import type { TFunction } from 'i18next';

export interface IncomingNotice {
  id: string | null;
  kind: string;
  title: string;
  body: string;
  conversationId: string | null;
  userId: string | null;
  data: Record<string, unknown>;
}

/** Kinds that pop up as a toast and, in a hidden tab, as a system notification. */
export const ALERT_KINDS = ['sla.escalated', 'sla.due_soon', 'sla.overdue', 'delivery.failed', 'reminder', 'assigned', 'mention', 'overflow'] as const;

export type NoticeTone = 'info' | 'warn' | 'danger';

export interface NoticeText {
  title: string;
  /** the order id or subject the server put after "Overdue: " */
  reference: string;
  detail: string;
  tone: NoticeTone;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The SLA part of a notification: nested under `sla` in frames, the whole `data` over REST. */
function slaData(data: Record<string, unknown>): Record<string, unknown> {
  const nested = obj(data['sla']);
  return Object.keys(nested).length > 0 ? nested : data;
}

function afterColon(title: string): string {
  const i = title.indexOf(': ');
  return i >= 0 ? title.slice(i + 2) : '';
}

function clockTime(iso: string | null, locale: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) return '';
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(ms);
}

export function describeNotice(n: Pick<IncomingNotice, 'kind' | 'title' | 'body' | 'data'>, t: TFunction, locale: string): NoticeText {
  const reference = afterColon(n.title);
  const sla = slaData(n.data);
  const kindKey = str(sla['clock_kind']);
  const clock = kindKey ? t(`sla.kind.${kindKey}`, { defaultValue: kindKey }) : t('notify.clock');
  const due = clockTime(str(sla['due_at']), locale);
  switch (n.kind) {
    case 'sla.overdue':
      return { title: t('notify.kind.sla_overdue'), reference, detail: t('notify.detail.overdue', { clock }), tone: 'danger' };
    case 'sla.due_soon':
      return { title: t('notify.kind.sla_due_soon'), reference, detail: due ? t('notify.detail.dueAt', { clock, time: due }) : '', tone: 'warn' };
    case 'sla.escalated': {
      const away = n.title.startsWith('Escalated to a supervisor');
      return {
        title: t(away ? 'notify.kind.sla_escalated_away' : 'notify.kind.sla_escalated'),
        reference,
        detail: away ? n.body : due ? t('notify.detail.dueAt', { clock, time: due }) : '',
        tone: 'danger',
      };
    }
    case 'delivery.failed': {
      const reason = n.body.includes(': ') ? n.body.slice(n.body.indexOf(': ') + 2) : n.body;
      return { title: t('notify.kind.delivery_failed'), reference, detail: t('notify.detail.refused', { reason }), tone: 'danger' };
    }
    case 'case.overdue':
    case 'case.escalated':
    case 'case.due_soon': {
      // Case clocks (api/case/clock_rules.py): the case's kind and deadline are in the data.
      const caseKind = str(sla['kind']);
      const what = caseKind ? t(`cases.kind.${caseKind}`, { defaultValue: caseKind }) : t('notify.generic');
      const key = n.kind.replace('.', '_');
      const detail =
        n.kind === 'case.overdue' ? t('notify.detail.caseOverdue', { what }) : n.kind === 'case.escalated' ? t('notify.detail.caseNow', { what }) : due ? t('notify.detail.dueAt', { clock: what, time: due }) : '';
      return { title: t(`notify.kind.${key}`), reference, detail, tone: n.kind === 'case.due_soon' ? 'warn' : 'danger' };
    }
    case 'reminder':
      return { title: t('notify.kind.reminder'), reference, detail: n.body, tone: 'info' };
    case 'assigned': {
      // Who assigned it: a person (by name), a rule (by name) or routing (how it chose).
      const by = str(n.data['by']);
      const name = str(n.data['by_name']) ?? '';
      const detail = by === 'rule' ? t('notify.detail.byRule', { name }) : by === 'routing' ? t('notify.detail.byRouting', { how: name }) : t('notify.detail.byPerson', { name });
      return { title: t('notify.kind.assigned'), reference: str(n.data['reference']) ?? reference, detail, tone: 'info' };
    }
    case 'mention':
      return {
        title: t('notify.kind.mention', { name: str(n.data['author']) ?? t('notify.colleague') }),
        reference: str(n.data['reference']) ?? reference,
        detail: n.body,
        tone: 'info',
      };
    case 'overflow': {
      const backlog = typeof n.data['backlog'] === 'number' ? n.data['backlog'] : 0;
      const threshold = typeof n.data['threshold'] === 'number' ? n.data['threshold'] : 0;
      const agents = typeof n.data['available_agents'] === 'number' ? n.data['available_agents'] : 0;
      const who = t('overflow.allBusy', { count: agents });
      return { title: t('overflow.title'), reference: '', detail: `${t('overflow.body', { count: backlog, threshold })} ${who}`, tone: 'warn' };
    }
    case 'webhook.disabled': {
      const url = str(n.data['url']) ?? '';
      const reason = str(n.data['reason']) ?? '';
      return { title: t('notify.kind.webhook_disabled'), reference: url, detail: reason, tone: 'warn' };
    }
    default:
      return { title: n.title || t('notify.generic'), reference: '', detail: n.body, tone: 'info' };
  }
}

/** A `notification` frame's data as a notice (null when it is not one). */
export function noticeFromFrame(data: Record<string, unknown>): IncomingNotice {
  return {
    id: str(data['notification_id']) ?? str(data['id']),
    kind: str(data['kind']) ?? 'notification',
    title: str(data['title']) ?? '',
    body: str(data['body']) ?? '',
    conversationId: str(data['conversation_id']),
    userId: str(data['user_id']),
    data,
  };
}
