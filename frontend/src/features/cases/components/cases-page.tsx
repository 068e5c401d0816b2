import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ExportButton } from '@/components/export-button';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useServerNow } from '@/hooks/use-server-now';
import { formatDateTime, formatMoney } from '@/lib/format';
import { useCases, type CaseKind, type CaseListFilters, type CaseState } from '../api/cases';
import { ageHours, deadlineOf, stateTone } from '../lib/case-view';

const KINDS: readonly CaseKind[] = ['return', 'refund', 'replacement', 'reship', 'cancellation', 'claim'];
const SCOPES = ['open', 'requested', 'approved', 'item_shipped_back', 'received', 'refunded', 'closed', 'all'] as const;
const MARKETPLACES = ['walmart', 'amazon', 'ebay', 'shopee', 'tiktok', 'email', 'api'];
const AGES = [0, 6, 24, 72];

const ALL_STATES: readonly CaseState[] = [
  'requested',
  'approved',
  'cancelled',
  'contested',
  'item_shipped_back',
  'received',
  'refunded',
  'replaced',
  'reshipped',
  'won',
  'lost',
  'rejected',
  'withdrawn',
  'closed',
];

/** The list's filters as an export's: the same states, kind and marketplace (age is a view, not a filter). */
function caseExportFilter(f: CaseListFilters) {
  const state = f.scope === 'all' ? undefined : f.scope === 'open' ? ALL_STATES.filter((s) => s !== 'closed') : [f.scope];
  return {
    ...(state ? { state: [...state] } : {}),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.marketplace ? { marketplace: f.marketplace as 'walmart' } : {}),
  };
}

/** The after-sales queue: cases by state and deadline, filtered by marketplace, kind and age. */
export function CasesPage({ onOpenConversation }: { onOpenConversation: (conversationId: string) => void }) {
  const { t, i18n } = useTranslation();
  const now = useServerNow();
  const [filters, setFilters] = useState<CaseListFilters>({ scope: 'requested', sort: 'deadline' });
  const cases = useCases(filters);
  const set = (patch: Partial<CaseListFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const items = cases.data?.items ?? [];

  return (
    <section className="cases-page" data-testid="cases-page">
      <header className="settings-page__head">
        <div>
          <h2>{t('cases.queue')}</h2>
          <p className="muted">{t('cases.intro')}</p>
        </div>
        <ExportButton request={{ kind: 'cases', case_filter: caseExportFilter(filters) }} testId="cases-export" />
      </header>
      <div className="cases-filters">
        <label className="ffield">
          <span className="ffield__label">{t('cases.stateLabel')}</span>
          <select className="input input--sm" value={filters.scope} onChange={(e) => set({ scope: e.target.value as CaseListFilters['scope'], sort: e.target.value === 'requested' ? filters.sort : 'created' })} data-testid="cases-filter-state">
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {s === 'open' || s === 'all' ? t(`cases.scope.${s}`) : t(`cases.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('cases.kindLabel')}</span>
          <select className="input input--sm" value={filters.kind ?? ''} onChange={(e) => set({ kind: (e.target.value || undefined) as CaseKind | undefined })} data-testid="cases-filter-kind">
            <option value="">{t('cases.any')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`cases.kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('cases.marketplaceLabel')}</span>
          <select className="input input--sm" value={filters.marketplace ?? ''} onChange={(e) => set({ marketplace: e.target.value || undefined })} data-testid="cases-filter-marketplace">
            <option value="">{t('cases.any')}</option>
            {MARKETPLACES.map((m) => (
              <option key={m} value={m}>
                {t(`marketplace.${m}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('cases.ageLabel')}</span>
          <select className="input input--sm" value={filters.min_age_hours ?? 0} onChange={(e) => set({ min_age_hours: Number(e.target.value) || undefined })} data-testid="cases-filter-age">
            {AGES.map((h) => (
              <option key={h} value={h}>
                {h === 0 ? t('cases.any') : t('cases.olderThan', { hours: h })}
              </option>
            ))}
          </select>
        </label>
        <label className="ffield">
          <span className="ffield__label">{t('cases.sortLabel')}</span>
          <select className="input input--sm" value={filters.sort} onChange={(e) => set({ sort: e.target.value as CaseListFilters['sort'] })} data-testid="cases-sort">
            <option value="deadline" disabled={filters.scope !== 'requested'}>
              {t('cases.sort.deadline')}
            </option>
            <option value="created">{t('cases.sort.created')}</option>
          </select>
        </label>
      </div>
      {cases.error ? <ErrorNotice error={cases.error} /> : null}
      {cases.isLoading ? (
        <Spinner />
      ) : items.length === 0 ? (
        <p className="muted" data-testid="cases-empty">{t('cases.emptyQueue')}</p>
      ) : (
        <table className="table" data-testid="cases-table">
          <thead>
            <tr>
              <th>{t('cases.kindLabel')}</th>
              <th>{t('cases.stateLabel')}</th>
              <th>{t('cases.marketplaceLabel')}</th>
              <th>{t('cases.order')}</th>
              <th className="num">{t('cases.amount')}</th>
              <th>{t('cases.deadline')}</th>
              <th className="num">{t('cases.age')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => {
              const due = deadlineOf(c, now);
              return (
                <tr key={c.id} className="clickable" onClick={() => onOpenConversation(c.conversation_id)} data-testid="case-row" data-case-id={c.id}>
                  <td>
                    {t(`cases.kind.${c.kind}`)}
                    {(c.attachments ?? []).length > 0 ? (
                      <span className="muted" data-testid="case-row-files">
                        {' · '}
                        {t('cases.attachments.count', { count: (c.attachments ?? []).length })}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <span className={`tag tag--${stateTone(c.state)}`}>{t(`cases.state.${c.state}`)}</span>
                  </td>
                  <td>
                    <MarketplaceBadge marketplace={c.marketplace} />
                  </td>
                  <td className="mono">{c.order_id ?? c.marketplace_case_id ?? '—'}</td>
                  <td className="num">{c.amount ? formatMoney(c.amount, c.currency, i18n.language) : '—'}</td>
                  <td className={due.overdue ? 'is-overdue nowrap' : 'nowrap'}>
                    {due.at ? (due.overdue ? t('cases.overdue') : formatDateTime(due.at, i18n.language)) : '—'}
                  </td>
                  <td className="num">{t('cases.hours', { count: ageHours(c.created_at, now) })}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
