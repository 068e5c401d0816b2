import { useTranslation } from 'react-i18next';
import { LoadFailed } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useChannels } from '@/hooks/use-directory';
import { VIEWS, type View } from '@/lib/enums';
import { useViewCounts } from '../api/get-counts';
import { countFilters, useInboxFilters } from '../hooks/use-inbox-filters';
import { SavedViews } from './saved-views';

/** The left rail: Walmart's Message Center views with live counts, then quick filters and stores. */
export function ViewNav() {
  const { t } = useTranslation();
  const { filters, setView, setFilter } = useInboxFilters();
  const counts = useViewCounts(countFilters(filters));
  const channels = useChannels();

  return (
    <nav className="view-nav" aria-label={t('nav.views')}>
      <div className="view-nav__section">
        {VIEWS.map((view: View) => {
          const count = counts.data?.[view];
          const active = filters.view === view;
          return (
            <button
              key={view}
              type="button"
              className={`view-nav__item${active ? ' is-active' : ''}${view === 'failed' && count ? ' is-alert' : ''}`}
              aria-current={active ? 'page' : undefined}
              data-testid={`view-${view}`}
              onClick={() => setView(view)}
            >
              <span>{t(`view.${view}`)}</span>
              <span className="view-nav__count" data-testid={`count-${view}`}>
                {count ?? ''}
              </span>
            </button>
          );
        })}
        <LoadFailed what={t('common.part.counts')} error={counts.error} onRetry={() => void counts.refetch()} testId="counts-failed" />
      </div>

      <SavedViews />

      <div className="view-nav__heading">{t('nav.quick')}</div>
      <div className="view-nav__section">
        <QuickFilter label={t('nav.mine')} active={filters.assignee === 'me'} onClick={() => setFilter('assignee', filters.assignee === 'me' ? undefined : 'me')} />
        <QuickFilter label={t('nav.unassigned')} active={filters.assignee === 'none'} onClick={() => setFilter('assignee', filters.assignee === 'none' ? undefined : 'none')} />
      </div>

      <div className="view-nav__heading">{t('nav.stores')}</div>
      <div className="view-nav__section">
        <LoadFailed what={t('common.part.stores')} error={channels.error} onRetry={() => void channels.refetch()} testId="stores-failed" />
        {(channels.data ?? []).map((ch) => (
          <button
            key={ch.id}
            type="button"
            className={`view-nav__item view-nav__store${filters.channel_id === ch.id ? ' is-active' : ''}`}
            onClick={() => setFilter('channel_id', filters.channel_id === ch.id ? undefined : ch.id)}
          >
            <MarketplaceBadge marketplace={ch.marketplace} />
            <span className="view-nav__store-name">{ch.name}</span>
          </button>
        ))}
      </div>

      <dl className="view-nav__shortcuts" aria-label={t('shortcuts.title')}>
        <dt>
          <kbd>j</kbd> <kbd>k</kbd>
        </dt>
        <dd>{t('shortcuts.move')}</dd>
        <dt>
          <kbd>Enter</kbd>
        </dt>
        <dd>{t('shortcuts.open')}</dd>
        <dt>
          <kbd>/</kbd>
        </dt>
        <dd>{t('shortcuts.search')}</dd>
        <dt>
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
        </dt>
        <dd>{t('shortcuts.send')}</dd>
      </dl>
    </nav>
  );
}

function QuickFilter({ label, active, onClick }: { label: string; active: boolean; onClick: () => void }) {
  return (
    <button type="button" className={`view-nav__item${active ? ' is-active' : ''}`} aria-pressed={active} onClick={onClick}>
      <span>{label}</span>
    </button>
  );
}
