import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, LoadFailed, Spinner } from '@/components/feedback';
import { formatDateTime, formatPercent } from '@/lib/format';
import { useCsatResponses, useCsatResults, type CsatGroupBy, type Range } from '../api/insight';

const GROUPS: readonly CsatGroupBy[] = ['agent', 'marketplace', 'category'];

/** CSAT per agent, marketplace or category for the period, and the latest ratings behind it. */
export function CsatReport({ range, onOpenConversation }: { range: Range; onOpenConversation: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const [groupBy, setGroupBy] = useState<CsatGroupBy>('agent');
  const results = useCsatResults(groupBy, range);
  const responses = useCsatResponses(range);
  const label = (key: string | null | undefined, fallback: string) => {
    if (groupBy === 'marketplace' && key) return t(`marketplace.${key}` as 'marketplace.ebay', { defaultValue: fallback });
    if (groupBy === 'category' && key) return t(`category.${key}` as 'category.shipping', { defaultValue: fallback });
    return key ? fallback : t('insight.csat.unassigned');
  };

  return (
    <div data-testid="csat-report">
      <div className="tabs" role="tablist" aria-label={t('insight.csat.groupBy')}>
        {GROUPS.map((g) => (
          <button
            key={g}
            type="button"
            role="tab"
            aria-selected={groupBy === g}
            className={`tab${groupBy === g ? ' is-active' : ''}`}
            onClick={() => setGroupBy(g)}
            data-testid={`csat-group-${g}`}
          >
            {t(`insight.csat.by.${g}`)}
          </button>
        ))}
      </div>
      {results.isLoading ? <Spinner /> : null}
      {results.error ? <LoadFailed what={t('insight.csat.title')} error={results.error} onRetry={() => void results.refetch()} /> : null}
      {results.data ? (
        <>
          <p data-testid="csat-summary">
            {t('insight.csat.summary', {
              sent: results.data.total_sent,
              answered: results.data.total_answered,
              average: results.data.average === null || results.data.average === undefined ? '—' : results.data.average.toFixed(2),
            })}
          </p>
          {results.data.groups.length === 0 ? (
            <EmptyState title={t('insight.csat.empty')} hint={t('insight.csat.emptyHint')} />
          ) : (
            <table className="table" data-testid="csat-table">
              <thead>
                <tr>
                  <th>{t(`insight.csat.by.${groupBy}`)}</th>
                  <th className="num">{t('insight.csat.sent')}</th>
                  <th className="num">{t('insight.csat.answered')}</th>
                  <th className="num">{t('insight.csat.responseRate')}</th>
                  <th className="num">{t('insight.csat.average')}</th>
                  {[1, 2, 3, 4, 5].map((n) => (
                    <th key={n} className="num">
                      {n}★
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {results.data.groups.map((g) => (
                  <tr key={g.key ?? 'none'} data-testid="csat-row">
                    <td>{label(g.key, g.label)}</td>
                    <td className="num">{g.sent}</td>
                    <td className="num">{g.answered}</td>
                    <td className="num">{formatPercent(g.response_rate, i18n.language)}</td>
                    <td className="num" data-testid="csat-average">
                      {g.average === null || g.average === undefined ? '—' : g.average.toFixed(2)}
                    </td>
                    {[1, 2, 3, 4, 5].map((n) => (
                      <td key={n} className="num">
                        {g.distribution[String(n)] ?? 0}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
      <h2>{t('insight.csat.latest')}</h2>
      {responses.data && responses.data.length > 0 ? (
        <table className="table table--compact" data-testid="csat-responses">
          <tbody>
            {responses.data.map((r) => (
              <tr key={r.id} className="clickable" onClick={() => onOpenConversation(r.conversation_id)} data-testid="csat-response">
                <td className="nowrap">{formatDateTime(r.answered_at, i18n.language)}</td>
                <td>{t(`marketplace.${r.marketplace}` as 'marketplace.ebay', { defaultValue: r.marketplace })}</td>
                <td className="num">{r.score}★</td>
                <td>{r.answered_via === 'link' ? t('insight.csat.viaLink') : t('insight.csat.viaReply')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t('insight.csat.noResponses')}</p>
      )}
    </div>
  );
}
