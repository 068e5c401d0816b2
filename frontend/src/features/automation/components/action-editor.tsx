import { useTranslation } from 'react-i18next';
import { useTeams, useUsers } from '@/hooks/use-directory';
import { PRIORITIES } from '@/lib/enums';
import { useActionTemplates } from '../api/automation';
import { ACTION_TYPES, emptyAction, type ActionDraft, type ActionType, type Priority } from '../lib/actions';
import { templateName } from '@/lib/explain-wording';

/** What a rule does when it matches: one row per action, in order. */
export function ActionEditor({ actions, onChange, errorsFor }: { actions: ActionDraft[]; onChange: (a: ActionDraft[]) => void; errorsFor: (i: number) => string[] }) {
  const { t } = useTranslation();
  const templates = useActionTemplates();
  const users = useUsers();
  const teams = useTeams();
  const set = (i: number, patch: Partial<ActionDraft>) => onChange(actions.map((a, j) => (j === i ? { ...a, ...patch } : a)));
  return (
    <div className="actions-editor" data-testid="action-editor">
      {actions.map((a, i) => (
        <div key={i} className={`action-row${errorsFor(i).length ? ' has-error' : ''}`} data-testid="action-row">
          <span className="tier__n">{i + 1}</span>
          <select value={a.type} aria-label={t('rules.actionType')} onChange={(e) => set(i, { type: e.target.value as ActionType })} data-testid="action-type">
            {ACTION_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`rules.action.${type}`)}
              </option>
            ))}
          </select>
          {a.type === 'send_template' ? (
            <select value={a.templateId} aria-label={t('rules.template')} onChange={(e) => set(i, { templateId: e.target.value })} data-testid="action-template">
              <option value="">{t('rules.pickTemplate')}</option>
              {(templates.data ?? []).map((tpl) => (
                <option key={tpl.id} value={tpl.id}>
                  {templateName(t, tpl)} ({tpl.language})
                </option>
              ))}
            </select>
          ) : null}
          {a.type === 'add_label' ? <input value={a.label} maxLength={64} aria-label={t('actions.labels')} placeholder={t('actions.addLabel')} onChange={(e) => set(i, { label: e.target.value })} /> : null}
          {a.type === 'set_priority' ? (
            <select value={a.priority} aria-label={t('filters.priority')} onChange={(e) => set(i, { priority: e.target.value as Priority })}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {t(`priority.${p}`)}
                </option>
              ))}
            </select>
          ) : null}
          {a.type === 'assign' || a.type === 'remind' ? (
            <select value={a.userId} aria-label={t('actions.assignee')} onChange={(e) => set(i, { userId: e.target.value })}>
              <option value="">{a.type === 'remind' ? t('rules.remindDefault') : t('rules.anyAgent')}</option>
              {(users.data ?? [])
                .filter((u) => u.is_active)
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </select>
          ) : null}
          {a.type === 'assign' ? (
            <select value={a.teamId} aria-label={t('actions.team')} onChange={(e) => set(i, { teamId: e.target.value })}>
              <option value="">{t('actions.noTeam')}</option>
              {(teams.data ?? []).map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
          ) : null}
          {a.type === 'remind' ? (
            <>
              <span className="muted">{t('rules.after')}</span>
              <input type="number" className="input--narrow" min={1} max={20160} value={a.afterMinutes} aria-label={t('rules.afterMinutes')} onChange={(e) => set(i, { afterMinutes: Number(e.target.value) })} />
              <span className="muted">{t('units.min')}</span>
              <input value={a.note} maxLength={500} placeholder={t('rules.note')} aria-label={t('rules.note')} onChange={(e) => set(i, { note: e.target.value })} />
            </>
          ) : null}
          <button type="button" className="btn btn--ghost btn--sm" aria-label={t('rules.removeAction', { n: i + 1 })} disabled={actions.length <= 1} onClick={() => onChange(actions.filter((_, j) => j !== i))}>
            ✕
          </button>
          {errorsFor(i).map((e) => (
            <span key={e} className="ffield__error tier__error">
              {e}
            </span>
          ))}
        </div>
      ))}
      <button type="button" className="btn btn--sm" disabled={actions.length >= 10} onClick={() => onChange([...actions, emptyAction('add_label')])}>
        {t('rules.addAction')}
      </button>
    </div>
  );
}
