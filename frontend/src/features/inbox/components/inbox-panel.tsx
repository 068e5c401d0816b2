import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useInboxFilters } from '../hooks/use-inbox-filters';
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
        </div>
        <SearchBox value={filters.q ?? ''} onSearch={(q) => setFilter('q', q)} />
        {showFilters ? <FilterPanel /> : null}
      </header>
      <ConversationList filters={filters} selectedId={selectedId} onOpen={onOpen} />
    </section>
  );
}
