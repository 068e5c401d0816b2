import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { useTeams, useUsers } from '@/hooks/use-directory';
import { useCreateTeam } from '../api/create-team';

export function UsersSection() {
  const { t } = useTranslation();
  const users = useUsers();
  return (
    <section className="settings-section" data-testid="settings-users">
      <h2>{t('settings.users')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th>{t('settings.name')}</th>
            <th>{t('settings.email')}</th>
            <th>{t('settings.role')}</th>
            <th>{t('settings.presence')}</th>
            <th>{t('settings.capacity')}</th>
            <th>{t('settings.language')}</th>
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.id} className={u.is_active ? '' : 'is-inactive'}>
              <td>{u.name}</td>
              <td className="mono">{u.email}</td>
              <td>{t(`role.${u.role}`)}</td>
              <td>
                <span className={`presence-dot presence-dot--${u.status}`} /> {t(`presenceStatus.${u.status}`)}
              </td>
              <td>{u.capacity}</td>
              <td>{u.locale === 'zh-CN' ? '中文' : 'English'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function TeamsSection({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const teams = useTeams();
  const users = useUsers();
  const names = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  return (
    <section className="settings-section" data-testid="settings-teams">
      <h2>{t('settings.teams')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th>{t('settings.name')}</th>
            <th>{t('settings.members')}</th>
          </tr>
        </thead>
        <tbody>
          {(teams.data ?? []).map((team) => (
            <tr key={team.id}>
              <td>{team.name}</td>
              <td>{team.member_ids.map((id) => names.get(id) ?? id.slice(0, 8)).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canEdit ? <CreateTeamForm /> : null}
    </section>
  );
}

function CreateTeamForm() {
  const { t } = useTranslation();
  const create = useCreateTeam();
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate({ name: name.trim() }, { onSuccess: () => setName('') });
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <input value={name} placeholder={t('settings.teamName')} aria-label={t('settings.teamName')} onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="btn btn--primary btn--sm" disabled={!name.trim() || create.isPending}>
        {t('settings.addTeam')}
      </button>
      {create.error ? <ErrorNotice error={create.error} /> : null}
    </form>
  );
}
