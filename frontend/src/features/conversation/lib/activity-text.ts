import type { TFunction } from 'i18next';
import type { components } from '@/api/schema';
import { runReason, type RunReasonDetail } from '@/lib/explain-wording';

type AuditEntry = components['schemas']['AuditRead'];

export interface Directory {
  userName: (id: string) => string | undefined;
  teamName: (id: string) => string | undefined;
  /** A timestamp in the reader's language (snooze times); the ISO text when absent. */
  formatTime?: (iso: string) => string;
}

export interface ActivityText {
  actor: string;
  /** What happened, in words, with the new values: "assigned to Li Na", "set priority to Urgent". */
  changes: string[];
  /** Why, when the server said (an automation rule's reason), shown muted. */
  detail?: string;
}

interface Change {
  from: unknown;
  to: unknown;
}

const isChange = (v: unknown): v is Change => typeof v === 'object' && v !== null && 'from' in v && 'to' in v;
const text = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * One audit entry as a sentence (issue 16): who (a person, the ERP, a named rule, the system) and
 * what changed with its new value, never an event code. Fields the log does not describe (counters,
 * timestamps that move with a change) are left out rather than shown raw.
 */
export function describeActivity(entry: AuditEntry, t: TFunction, dir: Directory): ActivityText {
  const data = entry.data as Record<string, unknown>;
  const rule = text(data['by_rule']) ?? (entry.action.startsWith('automation.') ? text(data['rule']) : null);
  const actor = rule
    ? t('activity.actor.rule', { name: rule })
    : entry.actor_type === 'user' && entry.actor_id
      ? (dir.userName(entry.actor_id) ?? t('thread.agent'))
      : t(`activity.actor.${entry.actor_type === 'api_key' ? 'api_key' : entry.actor_type === 'automation' ? 'automation' : 'system'}`);
  const person = (id: unknown) => (text(id) ? (dir.userName(String(id)) ?? t('thread.agent')) : null);

  switch (entry.action) {
    case 'conversation.updated': {
      const changes = Object.entries(data).flatMap(([field, value]) => (isChange(value) ? describeChange(field, value, t, dir) : []));
      const macro = text(data['by_macro']);
      return {
        actor,
        changes: changes.length ? changes : [t('activity.action.conversation_updated')],
        detail: macro ? t('activity.viaMacro', { name: macro }) : undefined,
      };
    }
    case 'conversation.routed': {
      const who = person(data['assignee_id']);
      return { actor, changes: [who ? t('activity.assigned', { name: who }) : t('activity.queued')] };
    }
    case 'conversation.spam_flagged':
      return { actor, changes: [t('activity.spamFlagged', { reason: t(`spamReason.${text(data['reason']) ?? 'spam'}`) })] };
    case 'conversation.spam_unflagged':
      return { actor, changes: [t('activity.action.conversation_spam_unflagged')] };
    case 'note.created':
      return { actor, changes: [t(data['kind'] === 'offline_contact' ? 'activity.offlineContact' : 'activity.action.note_created')] };
    case 'message.reply_queued':
      return { actor, changes: [t(data['author_kind'] === 'auto' ? 'activity.autoReply' : 'activity.action.message_reply_queued')] };
    case 'message.no_response_needed': {
      const reason = text(data['reason']);
      return {
        actor,
        changes: [reason ? t('activity.noResponse', { reason: t(`noResponse.reason.${reason}`) }) : t('activity.noResponsePlain')],
        detail: text(data['note']) ?? undefined,
      };
    }
    case 'message.no_response_undone':
      return { actor, changes: [t('activity.noResponseUndone')] };
    case 'conversation.snoozed': {
      const until = text(data['until']);
      return { actor, changes: [until ? t('activity.snoozed', { time: dir.formatTime?.(until) ?? until }) : t('activity.snoozedUntilReply')] };
    }
    case 'conversation.unsnoozed': {
      const why = text(data['why']);
      return { actor, changes: [t(`activity.unsnoozed.${why === 'time' || why === 'buyer_wrote' ? why : 'person'}`)] };
    }
    case 'macro.applied':
      return { actor, changes: [t('activity.macroApplied', { name: text(data['macro']) ?? '' })] };
    case 'automation.fired':
      return { actor, changes: [t('activity.ruleFired')] };
    case 'automation.suppressed':
      // Worded from the codes in the reader's language; older entries have only the English.
      return { actor, changes: [t('activity.ruleHeld')], detail: runReason(t, runDetail(data['reason_detail'])) ?? text(data['reason']) ?? undefined };
    default:
      return { actor, changes: [t('activity.action.other')] };
  }
}

function describeChange(field: string, { from, to }: Change, t: TFunction, dir: Directory): string[] {
  switch (field) {
    case 'assignee_id':
      return [text(to) ? t('activity.assigned', { name: dir.userName(String(to)) ?? t('thread.agent') }) : t('activity.unassigned')];
    case 'team_id':
      return [text(to) ? t('activity.team', { name: dir.teamName(String(to)) ?? t('activity.aTeam') }) : t('activity.noTeam')];
    case 'status':
    case 'priority':
    case 'category':
      return text(to) ? [t(`activity.set.${field}`, { value: t(`${field}.${String(to)}`) })] : [];
    case 'labels': {
      const before = list(from);
      const after = list(to);
      const added = after.filter((l) => !before.includes(l));
      const removed = before.filter((l) => !after.includes(l));
      return [
        ...(added.length ? [t('activity.labelsAdded', { labels: added.join(', '), count: added.length })] : []),
        ...(removed.length ? [t('activity.labelsRemoved', { labels: removed.join(', '), count: removed.length })] : []),
      ];
    }
    default:
      return [];
  }
}

function runDetail(raw: unknown): RunReasonDetail | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const d = raw as Partial<RunReasonDetail>;
  return Array.isArray(d.matched) && Array.isArray(d.actions) ? { matched: d.matched, blocked: d.blocked ?? null, actions: d.actions } : null;
}
