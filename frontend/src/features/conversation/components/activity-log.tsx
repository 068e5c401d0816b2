import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTeams, useUserNames } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';
import { ApiError } from '@/lib/problem';
import { useActivity, type AuditEntry } from '../api/get-activity';
import { describeActivity, type Directory } from '../lib/activity-text';

/** Who did what, when (kept at least a year). Loaded only when opened: most agents never look. */
export function ActivityLog({ conversationId }: { conversationId: string }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const activity = useActivity(conversationId, open);
  // Roles without settings:read cannot read the audit log; say so instead of showing an error.
  const forbidden = activity.error instanceof ApiError && activity.error.status === 403;
  const userNames = useUserNames();
  const teams = useTeams();
  const directory = useMemo<Directory>(() => {
    const teamNames = new Map((teams.data ?? []).map((team) => [team.id, team.name]));
    return {
      userName: (id) => userNames.get(id),
      teamName: (id) => teamNames.get(id),
      formatTime: (iso) => formatDateTime(iso, i18n.language),
    };
  }, [userNames, teams.data, i18n.language]);

  return (
    <details className="side-section" data-testid="activity-log" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="side-section__title">{t('activity.title')}</summary>
      {forbidden ? <div className="muted">{t('activity.forbidden')}</div> : null}
      {activity.isPending && open ? <div className="muted">{t('common.loading')}</div> : null}
      <ol className="activity">
        {(activity.data?.items ?? []).map((entry) => (
          <ActivityItem key={entry.id} entry={entry} directory={directory} />
        ))}
      </ol>
      {activity.data && activity.data.items.length === 0 ? <div className="muted">{t('activity.empty')}</div> : null}
    </details>
  );
}

function ActivityItem({ entry, directory }: { entry: AuditEntry; directory: Directory }) {
  const { t, i18n } = useTranslation();
  const { actor, changes, detail } = describeActivity(entry, t, directory);
  return (
    <li className="activity__item" data-testid="activity-item">
      <time>{formatDateTime(entry.created_at, i18n.language)}</time>
      <span>
        <strong>{actor}</strong> {changes.join(i18n.language.startsWith('zh') ? '，' : ', ')}
        {detail ? <span className="muted"> · {detail}</span> : null}
      </span>
    </li>
  );
}
