import { useTranslation } from 'react-i18next';
import { ErrorNotice, LoadFailed } from '@/components/feedback';
import { useMe, useTeams, useUsers } from '@/hooks/use-directory';
import { CATEGORIES, oneOf, PRIORITIES, STATUSES } from '@/lib/enums';
import { useSetRead } from '../api/read-state';
import { useUpdateConversation } from '../api/update-conversation';
import type { ConversationDetail } from '../api/get-conversation';
import { LabelsEditor } from './labels-editor';
import { SnoozeMenu } from './snooze-menu';
import { SpamMenu } from './spam-menu';

/** Assign, team, status, priority, category, labels, read state and spam, in one dense bar. */
export function ActionBar({ conversation: c }: { conversation: ConversationDetail }) {
  const { t } = useTranslation();
  const update = useUpdateConversation(c.id);
  const setRead = useSetRead(c.id);
  const users = useUsers();
  const teams = useTeams();
  const me = useMe();
  const myId = me.data?.user?.id;

  return (
    <div className="action-bar" data-testid="action-bar">
      <label className="action">
        <span className="action__label">{t('actions.assignee')}</span>
        <select
          data-testid="assignee-select"
          value={c.assignee_id ?? ''}
          onChange={(e) => update.mutate({ assignee_id: e.target.value || null })}
        >
          <option value="">{t('inbox.unassigned')}</option>
          {(users.data ?? [])
            .filter((u) => u.is_active || u.id === c.assignee_id)
            .map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === myId ? t('actions.meName', { name: u.name }) : u.name}
              </option>
            ))}
        </select>
      </label>
      {myId && c.assignee_id !== myId ? (
        <button type="button" className="btn btn--sm" onClick={() => update.mutate({ assignee_id: myId })}>
          {t('actions.assignToMe')}
        </button>
      ) : null}
      <label className="action">
        <span className="action__label">{t('actions.team')}</span>
        <select value={c.team_id ?? ''} onChange={(e) => update.mutate({ team_id: e.target.value || null })}>
          <option value="">{t('actions.noTeam')}</option>
          {(teams.data ?? []).map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
      <label className="action">
        <span className="action__label">{t('filters.status')}</span>
        <select data-testid="status-select" value={c.status} onChange={(e) => {
            const status = oneOf(STATUSES, e.target.value);
            if (status) update.mutate({ status });
          }}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="action">
        <span className="action__label">{t('filters.priority')}</span>
        <select value={c.priority} onChange={(e) => {
            const priority = oneOf(PRIORITIES, e.target.value);
            if (priority) update.mutate({ priority });
          }}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {t(`priority.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="action">
        <span className="action__label">{t('filters.category')}</span>
        <select value={c.category} onChange={(e) => {
            const category = oneOf(CATEGORIES, e.target.value);
            if (category) update.mutate({ category });
          }}>
          {CATEGORIES.map((cat) => (
            <option key={cat} value={cat}>
              {t(`category.${cat}`)}
            </option>
          ))}
        </select>
      </label>
      <div className="action action--grow">
        <span className="action__label">{t('actions.labels')}</span>
        <LabelsEditor labels={c.labels} disabled={update.isPending} onChange={(labels) => update.mutate({ labels })} />
      </div>
      <div className="action-bar__end">
        <button type="button" className="btn btn--sm" onClick={() => setRead.mutate(c.unread)}>
          {c.unread ? t('actions.markRead') : t('actions.markUnread')}
        </button>
        <SnoozeMenu conversation={c} />
        <SpamMenu conversation={c} />
      </div>
      {update.error ? <ErrorNotice error={update.error} /> : null}
      <LoadFailed what={t('common.part.people')} error={users.error} onRetry={() => void users.refetch()} />
      <LoadFailed what={t('common.part.teams')} error={teams.error} onRetry={() => void teams.refetch()} />
    </div>
  );
}
