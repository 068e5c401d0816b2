import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ExportButton } from '@/components/export-button';
import { toListQuery } from '../api/get-conversations';
import type { BulkFilter } from '../api/bulk';
import { useInboxFilters } from '../hooks/use-inbox-filters';
import { BulkBar } from './bulk-bar';
import { BulkProgress } from './bulk-progress';
import { ConversationList } from './conversation-list';
import { FilterPanel } from './filter-panel';
import { SaveViewButton } from './saved-views';
import { SearchBox } from './search-box';
import { SortControl } from './sort-control';

interface InboxPanelProps {
  selectedId: string | null;
  onOpen: (id: string) => void;
}

/** The middle column: search, filters and the virtualised conversation list. */
export function InboxPanel({ selectedId, onOpen }: InboxPanelProps) {
  const { t } = useTranslation();
  const { filters, setFilter, activeFilterCount } = useInboxFilters();
  const [showFilters, setShowFilters] = useState(activeFilterCount > 0);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  // Another filter is another list: what was checked in the old one is not what the agent sees.
  const filterKey = JSON.stringify(filters);
  useEffect(() => {
    setChecked(new Set());
    setAllMatching(false);
  }, [filterKey]);
  const bulkFilter = useMemo((): BulkFilter => {
    const { limit: _limit, cursor: _cursor, sort: _sort, ...query } = toListQuery(filters, null);
    return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== null && v !== undefined)) as BulkFilter;
  }, [filters]);
  const clear = () => {
    setChecked(new Set());
    setAllMatching(false);
  };

  return (
    <section className="inbox-panel" aria-label={t('inbox.title')}>
      <header className="inbox-panel__header">
        <div className="inbox-panel__title">
          <h1>{t(`view.${filters.view}`)}</h1>
          <button
            type="button"
            className={`btn btn--ghost btn--sm${showFilters ? ' is-active' : ''}`}
            aria-expanded={showFilters}
            data-testid="toggle-filters"
            onClick={() => setShowFilters((v) => !v)}
          >
            {t('filters.title')}
            {activeFilterCount > 0 ? <span className="pill">{activeFilterCount}</span> : null}
          </button>
        </div>
        <div className="inbox-panel__tools">
          <SortControl />
          <SaveViewButton />
          <ExportButton request={{ kind: 'conversations', filter: bulkFilter }} testId="inbox-export" />
        </div>
        <SearchBox value={filters.q ?? ''} onSearch={(q) => setFilter('q', q)} />
        {showFilters ? <FilterPanel /> : null}
        {checked.size > 0 || allMatching ? (
          <>
            <BulkBar
              selection={allMatching ? { filter: bulkFilter } : { ids: [...checked] }}
              count={allMatching ? null : checked.size}
              onClear={clear}
              onStarted={(id) => {
                setJobId(id);
                clear();
              }}
            />
            {!allMatching ? (
              <button type="button" className="btn btn--link" data-testid="bulk-all-matching" onClick={() => setAllMatching(true)}>
                {t('bulk.selectAllMatching')}
              </button>
            ) : null}
          </>
        ) : null}
        {jobId ? <BulkProgress jobId={jobId} onDismiss={() => setJobId(null)} /> : null}
      </header>
      <ConversationList
        filters={filters}
        selectedId={selectedId}
        onOpen={onOpen}
        checked={checked}
        onCheckedChange={(next) => {
          setChecked(next);
          setAllMatching(false);
        }}
      />
    </section>
  );
}
