import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { OrderedRulesTable } from '@/components/ordered-rules-table';
import { ChipsInput, Dialog, Field, FormProblem, PillSelect, Toggle } from '@/components/form';
import { useTeams, useUsers, type Team } from '@/hooks/use-directory';
import { CATEGORIES, MARKETPLACES } from '@/lib/enums';
import { errorsAt, fieldErrorsOf } from '@/lib/field-errors';
import {
  useAssignmentRules,
  useCalendarOptions,
  useCreateTeam,
  useReorderAssignmentRules,
  useSaveAssignmentRule,
  useToggleAssignmentRule,
  useUpdateTeam,
  type AssignmentRule,
  type AssignmentRuleCreate,
} from '../api/automation';
import { ConditionSummary } from './auto-replies-page';

const LANGUAGES = ['en', 'zh', 'es', 'ja', 'ko'] as const;
const TIERS = ['standard', 'high_value', 'potential', 'low_activity'] as const;

/** Routing: rules send a conversation to a team or a person; within a team, its strategy picks the agent. */
export function AssignmentPage({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const rules = useAssignmentRules();
  const toggle = useToggleAssignmentRule();
  const reorder = useReorderAssignmentRules();
  const users = useUsers();
  const teams = useTeams();
  const [editing, setEditing] = useState<AssignmentRule | 'new' | null>(null);
  const list = [...(rules.data ?? [])].sort((a, b) => a.position - b.position);
  const userName = (id: string | null) => (id ? (users.data?.find((u) => u.id === id)?.name ?? id.slice(0, 8)) : null);
  const teamName = (id: string | null) => (id ? (teams.data?.find((x) => x.id === id)?.name ?? id.slice(0, 8)) : null);
  return (
    <section className="settings-page" data-testid="settings-assignment">
      <header className="settings-page__head">
        <div>
          <h2>{t('settings.nav.assignment')}</h2>
          <p className="muted">{t('routing.intro')}</p>
        </div>
        {canEdit ? (
          <button type="button" className="btn btn--primary btn--sm" onClick={() => setEditing('new')} data-testid="new-assignment-rule">
            {t('routing.newRule')}
          </button>
        ) : null}
      </header>
      {rules.error ? <ErrorNotice error={rules.error} /> : null}
      {toggle.error ? <ErrorNotice error={toggle.error} /> : null}
      {reorder.error ? <ErrorNotice error={reorder.error} /> : null}
      {rules.isLoading ? (
        <Spinner />
      ) : list.length === 0 ? (
        <p className="muted">{t('routing.none')}</p>
      ) : (
        <OrderedRulesTable
          rows={list}
          canEdit={canEdit}
          rowTestId="assignment-rule-row"
          onToggle={(r, v) => toggle.mutate({ id: r.id, isActive: v })}
          onEdit={setEditing}
          onMove={(moves) => reorder.mutate(moves)}
          columns={[
            { header: t('settings.name'), cell: (r) => <strong>{r.name}</strong> },
            { header: t('rules.when'), cell: (r) => <ConditionSummary conditions={r.conditions} /> },
            { header: t('routing.routeTo'), cell: (r) => [teamName(r.team_id), userName(r.user_id)].filter(Boolean).join(' → ') || '—' },
          ]}
        />
      )}
      <TeamsSection canEdit={canEdit} />
      {editing ? (
        <AssignmentDialog
          rule={editing === 'new' ? null : editing}
          defaultPosition={list.length ? Math.max(...list.map((r) => r.position)) + 10 : 10}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </section>
  );
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function AssignmentDialog({ rule, defaultPosition, onClose }: { rule: AssignmentRule | null; defaultPosition: number; onClose: () => void }) {
  const { t } = useTranslation();
  const users = useUsers();
  const teams = useTeams();
  const save = useSaveAssignmentRule();
  const errors = fieldErrorsOf(save.error);
  type Conditions = NonNullable<AssignmentRuleCreate['conditions']>;
  const c = rule?.conditions ?? {};
  const [name, setName] = useState(rule?.name ?? '');
  const [position, setPosition] = useState(String(rule?.position ?? defaultPosition));
  const [active, setActive] = useState(rule?.is_active ?? true);
  const [teamId, setTeamId] = useState(rule?.team_id ?? '');
  const [userId, setUserId] = useState(rule?.user_id ?? '');
  const [cond, setCond] = useState<Conditions>({
    categories: strings(c['categories']),
    keywords: strings(c['keywords']),
    marketplaces: strings(c['marketplaces']) as Conditions['marketplaces'],
    languages: strings(c['languages']) as Conditions['languages'],
    customer_tiers: strings(c['customer_tiers']) as Conditions['customer_tiers'],
  });
  const setC = <K extends keyof Conditions>(key: K) => (value: Conditions[K]) => setCond((x) => ({ ...x, [key]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      { id: rule?.id ?? null, body: { name: name.trim(), position: Number(position), is_active: active, conditions: cond, team_id: teamId || null, user_id: userId || null } },
      { onSuccess: onClose },
    );
  };
  return (
    <Dialog title={rule ? t('routing.editRule', { name: rule.name }) : t('routing.newRule')} onClose={onClose} wide testId="assignment-dialog">
      <form className="form" onSubmit={submit}>
        <div className="form__grid form__grid--4">
          <Field label={t('settings.name')} errors={errorsAt(errors, 'name')} className="span-2">
            <input value={name} required onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label={t('sla.position')} errors={errorsAt(errors, 'position')} hint={t('rules.positionHint')}>
            <input type="number" min={0} max={100000} value={position} onChange={(e) => setPosition(e.target.value)} />
          </Field>
          <div className="ffield">
            <span className="ffield__label">&nbsp;</span>
            <Toggle checked={active} onChange={setActive} label={t('form.active')} />
          </div>
        </div>
        <fieldset className="form__section">
          <legend>{t('rules.when')}</legend>
          <Field label={t('filters.category')} errors={errorsAt(errors, 'conditions.categories', true)}>
            <PillSelect ariaLabel={t('filters.category')} options={CATEGORIES.map((x) => ({ value: x, label: t(`category.${x}`) }))} values={cond.categories ?? []} onChange={setC('categories')} />
          </Field>
          <Field label={t('rules.keywords')} errors={errorsAt(errors, 'conditions.keywords', true)} hint={t('rules.keywordsHint')}>
            <ChipsInput ariaLabel={t('rules.keywords')} values={cond.keywords ?? []} onChange={setC('keywords')} placeholder={t('rules.keywordsPlaceholder')} />
          </Field>
          <Field label={t('filters.marketplace')} errors={errorsAt(errors, 'conditions.marketplaces', true)}>
            <PillSelect ariaLabel={t('filters.marketplace')} options={MARKETPLACES.map((m) => ({ value: m, label: t(`marketplace.${m}`) }))} values={cond.marketplaces ?? []} onChange={setC('marketplaces')} />
          </Field>
          <div className="form__grid">
            <Field label={t('routing.language')} errors={errorsAt(errors, 'conditions.languages', true)}>
              <PillSelect ariaLabel={t('routing.language')} options={LANGUAGES.map((l) => ({ value: l, label: t(`templates.lang.${l}`) }))} values={cond.languages ?? []} onChange={setC('languages')} />
            </Field>
            <Field label={t('rules.customerTier')} errors={errorsAt(errors, 'conditions.customer_tiers', true)}>
              <PillSelect ariaLabel={t('rules.customerTier')} options={TIERS.map((x) => ({ value: x, label: t(`customer.tier.${x}`) }))} values={cond.customer_tiers ?? []} onChange={setC('customer_tiers')} />
            </Field>
          </div>
        </fieldset>
        <fieldset className="form__section">
          <legend>{t('routing.routeTo')}</legend>
          <div className="form__grid">
            <Field label={t('actions.team')} errors={errorsAt(errors, 'team_id')} hint={t('routing.teamHint')}>
              <select value={teamId} onChange={(e) => setTeamId(e.target.value)}>
                <option value="">{t('actions.noTeam')}</option>
                {(teams.data ?? []).map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('actions.assignee')} errors={errorsAt(errors, 'user_id')} hint={t('routing.userHint')}>
              <select value={userId} onChange={(e) => setUserId(e.target.value)}>
                <option value="">{t('routing.byStrategy')}</option>
                {(users.data ?? [])
                  .filter((u) => u.is_active)
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
              </select>
            </Field>
          </div>
        </fieldset>
        <FormProblem error={save.error} placed={['name', 'position', 'conditions', 'team_id', 'user_id']} />
        <div className="form__actions">
          <button type="button" className="btn btn--sm" onClick={onClose}>
            {t('form.cancel')}
          </button>
          <button type="submit" className="btn btn--primary btn--sm" disabled={save.isPending || !name.trim() || (!teamId && !userId)}>
            {t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function TeamsSection({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const teams = useTeams();
  const create = useCreateTeam();
  const [name, setName] = useState('');
  return (
    <section className="subsection" data-testid="settings-teams">
      <header className="subsection__head">
        <h3>{t('settings.teams')}</h3>
        <span className="muted">{t('routing.teamsHint')}</span>
      </header>
      <table className="table">
        <thead>
          <tr>
            <th>{t('settings.name')}</th>
            <th>{t('settings.members')}</th>
            <th>{t('routing.strategy')}</th>
            <th>{t('sla.calendar')}</th>
          </tr>
        </thead>
        <tbody>
          {(teams.data ?? []).map((team) => (
            <TeamRow key={team.id} team={team} canEdit={canEdit} />
          ))}
        </tbody>
      </table>
      {canEdit ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) create.mutate({ name: name.trim(), member_ids: [] }, { onSuccess: () => setName('') });
          }}
        >
          <input value={name} placeholder={t('settings.teamName')} aria-label={t('settings.teamName')} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="btn btn--sm" disabled={!name.trim() || create.isPending}>
            {t('settings.addTeam')}
          </button>
          {create.error ? <ErrorNotice error={create.error} /> : null}
        </form>
      ) : null}
    </section>
  );
}

function TeamRow({ team, canEdit }: { team: Team; canEdit: boolean }) {
  const { t } = useTranslation();
  const users = useUsers();
  const calendars = useCalendarOptions();
  const update = useUpdateTeam();
  const [editingMembers, setEditingMembers] = useState(false);
  const names = new Map((users.data ?? []).map((u) => [u.id, u.name]));
  const strategy = team.assignment_strategy === 'round_robin' ? 'round_robin' : 'load_balanced';
  return (
    <tr data-testid="team-row">
      <td>
        <strong>{team.name}</strong>
      </td>
      <td>
        {editingMembers ? (
          <PillSelect
            ariaLabel={t('settings.members')}
            options={(users.data ?? []).filter((u) => u.is_active).map((u) => ({ value: u.id, label: u.name }))}
            values={team.member_ids}
            onChange={(ids) => update.mutate({ id: team.id, body: { member_ids: ids } })}
          />
        ) : (
          <span>{team.member_ids.map((id) => names.get(id) ?? id.slice(0, 8)).join(', ') || '—'}</span>
        )}
        {canEdit ? (
          <button type="button" className="btn btn--link team-members-toggle" onClick={() => setEditingMembers((v) => !v)}>
            {editingMembers ? t('form.done') : t('form.edit')}
          </button>
        ) : null}
      </td>
      <td>
        <select value={strategy} disabled={!canEdit} aria-label={t('routing.strategy')} onChange={(e) => update.mutate({ id: team.id, body: { assignment_strategy: e.target.value === 'round_robin' ? 'round_robin' : 'load_balanced' } })} data-testid="team-strategy">
          <option value="load_balanced">{t('routing.strategies.load_balanced')}</option>
          <option value="round_robin">{t('routing.strategies.round_robin')}</option>
        </select>
        <div className="cell-sub muted">{t(`routing.strategyHint.${strategy}`)}</div>
      </td>
      <td>
        <select value={team.calendar_id ?? ''} disabled={!canEdit} aria-label={t('sla.calendar')} onChange={(e) => update.mutate({ id: team.id, body: { calendar_id: e.target.value || null } })}>
          <option value="">{t('sla.calendarDefault')}</option>
          {(calendars.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        {update.error ? <ErrorNotice error={update.error} /> : null}
      </td>
    </tr>
  );
}
