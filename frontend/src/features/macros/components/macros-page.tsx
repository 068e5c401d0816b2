import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmButton, FormProblem } from '@/components/form';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { useTeams, useUserNames } from '@/hooks/use-directory';
import { useDeleteMacro, useMacros, useTemplateChoices, type Macro } from '../api/macros';
import { summarizeActions } from '../lib/describe';
import { MacroForm } from './macro-form';

/** Settings → Macros: the macros the person can use; theirs (and, for supervisors, shared ones) editable. */
export function MacrosPage({ canShareOrg }: { canShareOrg: boolean }) {
  const { t } = useTranslation();
  const macros = useMacros();
  const remove = useDeleteMacro();
  const teams = useTeams();
  const userNames = useUserNames();
  const templates = useTemplateChoices();
  const [editing, setEditing] = useState<Macro | 'new' | null>(null);
  const teamName = (id: string | null) => (teams.data ?? []).find((team) => team.id === id)?.name ?? '';
  const names = {
    user: (id: string) => userNames.get(id),
    template: (id: string) => (templates.data ?? []).find((x) => x.id === id)?.name,
  };
  return (
    <section className="settings-page" data-testid="settings-macros">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.macros')}</h2>
          <p className="muted">{t('macros.intro')}</p>
        </div>
        <button type="button" className="btn btn--primary btn--sm" data-testid="macro-new" onClick={() => setEditing('new')}>
          {t('macros.new')}
        </button>
      </header>
      <FormProblem error={remove.error} />
      {macros.isPending ? <Spinner /> : null}
      {macros.error ? <ErrorNotice error={macros.error} /> : null}
      {macros.data && macros.data.length === 0 ? <EmptyState title={t('macros.empty')} /> : null}
      {macros.data && macros.data.length > 0 ? (
        <ul className="macro-list" data-testid="macro-list">
          {macros.data.map((m) => (
            <li key={m.id} className="macro-list__item" data-testid="macro-row">
              <div className="macro-list__text">
                <strong>{m.name}</strong>{' '}
                <span className="pill">
                  {m.visibility === 'team' ? t('macros.shared.team', { name: teamName(m.team_id) }) : t(`macros.shared.${m.visibility}`)}
                </span>
                {m.description ? <div className="muted">{m.description}</div> : null}
                <div className="muted">{summarizeActions(m.actions, t, names).join(' · ')}</div>
              </div>
              {m.can_edit ? (
                <div className="macro-list__buttons">
                  <button type="button" className="btn btn--sm" onClick={() => setEditing(m)} aria-label={`${t('macros.edit')}: ${m.name}`}>
                    {t('macros.edit')}
                  </button>
                  <ConfirmButton
                    className="btn btn--sm btn--danger-ghost"
                    label={t('macros.delete')}
                    confirmLabel={t('macros.confirmDelete')}
                    onConfirm={() => remove.mutate(m.id)}
                    testId="macro-delete"
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {remove.isSuccess ? (
        <div className="muted" role="status">
          {t('macros.deleted')}
        </div>
      ) : null}
      {editing ? <MacroForm macro={editing === 'new' ? null : editing} canShareOrg={canShareOrg} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}
