import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadFailed } from '@/components/feedback';
import { useChannels, useTeams, useUsers } from '@/hooks/use-directory';
import { CATEGORIES, MARKETPLACES, PRIORITIES, SLA_FILTERS, STATUSES } from '@/lib/enums';
import { useInboxFilters, type FilterKey } from '../hooks/use-inbox-filters';

interface Option {
  value: string;
  label: string;
}

/**
 * Marketplace, store, assignee, team, status, category, priority and SLA state. Options that come
 * from the API (stores, people, teams) say so when they could not be loaded, instead of an empty list.
 */
export function FilterPanel() {
  const { t } = useTranslation();
  const { filters, setFilter, clearFilters, activeFilterCount } = useInboxFilters();
  const users = useUsers();
  const teams = useTeams();
  const channels = useChannels();
  const failures = [
    { what: t('common.part.stores'), query: channels },
    { what: t('common.part.people'), query: users },
    { what: t('common.part.teams'), query: teams },
  ].filter((f) => f.query.isError);

  const field = (key: FilterKey, label: string, options: Option[]): ReactNode => (
    <label className="filter" key={key}>
      <span className="filter__label">{label}</span>
      <select
        data-testid={`filter-${key}`}
        value={filters[key] ?? ''}
        onChange={(e) => setFilter(key, e.target.value || undefined)}
      >
        <option value="">{t('filters.any')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="filter-panel" data-testid="filter-panel">
      {field('marketplace', t('filters.marketplace'), MARKETPLACES.map((m) => ({ value: m, label: t(`marketplace.${m}`) })))}
      {field('channel_id', t('filters.store'), (channels.data ?? []).map((c) => ({ value: c.id, label: c.name })))}
      {field('assignee', t('filters.assignee'), [
        { value: 'me', label: t('filters.me') },
        { value: 'none', label: t('inbox.unassigned') },
        ...(users.data ?? []).map((u) => ({ value: u.id, label: u.name })),
      ])}
      {field('team_id', t('filters.team'), (teams.data ?? []).map((tm) => ({ value: tm.id, label: tm.name })))}
      {field('status', t('filters.status'), STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) })))}
      {field('category', t('filters.category'), CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) })))}
      {field('priority', t('filters.priority'), PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) })))}
      {field('sla_state', t('filters.sla'), SLA_FILTERS.map((s) => ({ value: s, label: t(`sla.state.${s}`) })))}
      {activeFilterCount > 0 ? (
        <button type="button" className="btn btn--link filter-panel__clear" onClick={clearFilters}>
          {t('filters.clear')}
        </button>
      ) : null}
      {failures.map((f) => (
        <LoadFailed key={f.what} what={f.what} error={f.query.error} onRetry={() => void f.query.refetch()} testId="filter-options-failed" />
      ))}
    </div>
  );
}
