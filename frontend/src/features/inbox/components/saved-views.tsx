import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, LoadFailed } from '@/components/feedback';
import { useMe, useTeams } from '@/hooks/use-directory';
import type { ConversationFilters } from '@/lib/query-keys';
import { useCreateSavedView, useDeleteSavedView, useSavedViews, type SavedView, type SavedViewCreate } from '../api/saved-views';
import { effectiveSort, FILTER_KEYS, useInboxFilters } from '../hooks/use-inbox-filters';

type SavedQuery = SavedViewCreate['query'];

/** The list on screen as a saved query: view, filters, search and the sort it is in. */
export function toSavedQuery(filters: ConversationFilters): SavedQuery {
  const query: Record<string, string> = { view: filters.view, sort: effectiveSort(filters) };
  for (const key of [...FILTER_KEYS, 'q'] as const) {
    const value = filters[key];
    if (value) query[key] = value;
  }
  return query as SavedQuery;
}

function sameQuery(saved: SavedView['query'], current: SavedQuery): boolean {
  const keys = new Set([...Object.keys(saved), ...Object.keys(current)]);
  const norm = (q: Record<string, unknown>, k: string) => (k === 'view' ? (q[k] ?? 'all') : (q[k] ?? null));
  return [...keys].every((k) => norm(saved as Record<string, unknown>, k) === norm(current as Record<string, unknown>, k));
}

/** Saved views in the left rail: mine and my teams', one click to open, mine deletable. */
export function SavedViews() {
  const { t } = useTranslation();
  const views = useSavedViews();
  const remove = useDeleteSavedView();
  const { filters, applyQuery } = useInboxFilters();
  const current = toSavedQuery(filters);
  const teams = useTeams();
  const teamName = (id: string | null) => (id ? (teams.data ?? []).find((tm) => tm.id === id)?.name : undefined);

  return (
    <>
      <div className="view-nav__heading">{t('savedViews.title')}</div>
      <div className="view-nav__section" data-testid="saved-views">
        <LoadFailed what={t('savedViews.title')} error={views.error} onRetry={() => void views.refetch()} testId="saved-views-failed" />
        {views.data && views.data.length === 0 ? <div className="view-nav__empty muted">{t('savedViews.empty')}</div> : null}
        {(views.data ?? []).map((v) => {
          const active = sameQuery(v.query, current);
          const shared = teamName(v.team_id);
          return (
            <div key={v.id} className={`view-nav__item saved-view${active ? ' is-active' : ''}`}>
              <button
                type="button"
                className="saved-view__open"
                data-testid="saved-view"
                aria-current={active ? 'page' : undefined}
                title={shared ? t('savedViews.sharedWith', { team: shared }) : t('savedViews.personal')}
                onClick={() => applyQuery(v.query)}
              >
                {v.name}
                {v.team_id ? <span className="saved-view__shared">{t('savedViews.teamTag')}</span> : null}
              </button>
              {v.mine ? (
                <button
                  type="button"
                  className="saved-view__delete"
                  aria-label={t('savedViews.delete', { name: v.name })}
                  disabled={remove.isPending}
                  onClick={() => {
                    if (window.confirm(t('savedViews.confirmDelete', { name: v.name }))) remove.mutate(v.id);
                  }}
                >
                  ×
                </button>
              ) : null}
            </div>
          );
        })}
        {remove.error ? <ErrorNotice error={remove.error} /> : null}
      </div>
    </>
  );
}

/** "Save view" in the list header: names the list on screen (filters + sort), for me or a team. */
export function SaveViewButton() {
  const { t } = useTranslation();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [teamId, setTeamId] = useState('');
  const { filters } = useInboxFilters();
  const create = useCreateSavedView();
  const me = useMe();
  const teams = useTeams();
  const userId = me.data?.user?.id;
  const canShareAny = me.data?.scopes.includes('settings:write') ?? false;
  const shareable = (teams.data ?? []).filter((tm) => canShareAny || (userId && tm.member_ids.includes(userId)));

  if (!open) {
    return (
      <button type="button" className="btn btn--ghost btn--sm" data-testid="save-view" onClick={() => setOpen(true)}>
        {t('savedViews.save')}
      </button>
    );
  }
  return (
    <form
      className="save-view"
      data-testid="save-view-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate(
          { name: name.trim(), query: toSavedQuery(filters), team_id: teamId || null },
          {
            onSuccess: () => {
              setOpen(false);
              setName('');
              setTeamId('');
            },
          },
        );
      }}
    >
      <label htmlFor={`${id}-name`} className="save-view__label">
        {t('savedViews.name')}
      </label>
      <input id={`${id}-name`} data-testid="save-view-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      <label htmlFor={`${id}-share`} className="save-view__label">
        {t('savedViews.share')}
      </label>
      <select id={`${id}-share`} data-testid="save-view-team" value={teamId} onChange={(e) => setTeamId(e.target.value)}>
        <option value="">{t('savedViews.onlyMe')}</option>
        {shareable.map((tm) => (
          <option key={tm.id} value={tm.id}>
            {t('savedViews.team', { team: tm.name })}
          </option>
        ))}
      </select>
      <span className="save-view__hint muted">{t('savedViews.hint')}</span>
      <div className="save-view__actions">
        <button type="submit" className="btn btn--primary btn--sm" data-testid="save-view-submit" disabled={!name.trim() || create.isPending}>
          {t('form.save')}
        </button>
        <button type="button" className="btn btn--sm" onClick={() => setOpen(false)}>
          {t('form.cancel')}
        </button>
      </div>
      {create.error ? <ErrorNotice error={create.error} /> : null}
    </form>
  );
}
