import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUserNames } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';
import { ApiError } from '@/lib/problem';
import { useActivity, type AuditEntry } from '../api/get-activity';

const KNOWN_ACTIONS = [
  'conversation.updated',
  'conversation.spam_flagged',
  'conversation.spam_unflagged',
  'note.created',
  'message.reply_queued',
];

/** Who did what, when (R15). Loaded only when opened: most agents never look. */
export function ActivityLog({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const activity = useActivity(conversationId, open);
  // Roles without settings:read cannot read the audit log; say so instead of showing an error.
  const forbidden = activity.error instanceof ApiError && activity.error.status === 403;

  return (
    <details className="side-section" data-testid="activity-log" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="side-section__title">{t('activity.title')}</summary>
      {forbidden ? <div className="muted">{t('activity.forbidden')}</div> : null}
      {activity.isPending && open ? <div className="muted">{t('common.loading')}</div> : null}
      <ol className="activity">
        {(activity.data?.items ?? []).map((entry) => (
          <ActivityItem key={entry.id} entry={entry} />
        ))}
      </ol>
      {activity.data && activity.data.items.length === 0 ? <div className="muted">{t('activity.empty')}</div> : null}
    </details>
  );
}

function ActivityItem({ entry }: { entry: AuditEntry }) {
  const { t, i18n } = useTranslation();
  const userNames = useUserNames();
  const actor =
    entry.actor_type === 'user' && entry.actor_id
      ? (userNames.get(entry.actor_id) ?? t('thread.agent'))
      : t(`activity.actor.${entry.actor_type === 'api_key' ? 'api_key' : entry.actor_type === 'automation' ? 'automation' : 'system'}`);
  const action = KNOWN_ACTIONS.includes(entry.action) ? t(`activity.action.${entry.action.replace('.', '_')}`) : entry.action;
  const changed = entry.action === 'conversation.updated' ? Object.keys(entry.data).map((k) => t(`activity.field.${k}`, { defaultValue: k })) : [];
  return (
    <li className="activity__item">
      <time>{formatDateTime(entry.created_at, i18n.language)}</time>
      <span>
        <strong>{actor}</strong> {action}
        {changed.length > 0 ? <span className="muted"> · {changed.join(', ')}</span> : null}
      </span>
    </li>
  );
}
