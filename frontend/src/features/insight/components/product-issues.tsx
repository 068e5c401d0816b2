import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, LoadFailed, Spinner } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { useProductIssueExamples, useProductIssues, type IssueReason, type Range } from '../api/insight';
import { sparkline } from '../lib/range';

export const REASONS: readonly IssueReason[] = ['damaged', 'wrong_item', 'missing_part', 'late', 'not_as_described', 'sizing'];

/** Messages per SKU with their reasons, rates per 1,000 units, weekly trend and the jump flag;
 * a row opens the messages behind it, and a message opens its conversation. */
export function ProductIssues({ range, onOpenConversation }: { range: Range; onOpenConversation: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const [reason, setReason] = useState<IssueReason | null>(null);
  const [sku, setSku] = useState<string | null>(null);
  const report = useProductIssues(range, reason);
  const examples = useProductIssueExamples(sku, reason, range);

  return (
    <div data-testid="product-issues">
      <label className="insight-inline">
        {t('insight.products.reason')}{' '}
        <select
          value={reason ?? ''}
          onChange={(e) => setReason((e.target.value || null) as IssueReason | null)}
          data-testid="product-issues-reason"
        >
          <option value="">{t('insight.products.allReasons')}</option>
          {REASONS.map((r) => (
            <option key={r} value={r}>
              {t(`insight.reason.${r}`)}
            </option>
          ))}
        </select>
      </label>
      {report.isLoading ? <Spinner /> : null}
      {report.error ? <LoadFailed what={t('insight.products.title')} error={report.error} onRetry={() => void report.refetch()} /> : null}
      {report.data && report.data.rows.length === 0 ? <EmptyState title={t('insight.products.empty')} /> : null}
      {report.data && report.data.rows.length > 0 ? (
        <table className="table" data-testid="product-issues-table">
          <thead>
            <tr>
              <th>{t('insight.products.sku')}</th>
              <th>{t('insight.products.product')}</th>
              <th className="num">{t('insight.products.messages')}</th>
              <th className="num">{t('insight.products.units')}</th>
              <th className="num">{t('insight.products.rate')}</th>
              <th>{t('insight.products.reasons')}</th>
              <th>{t('insight.products.trend')}</th>
              <th>{t('insight.products.jump')}</th>
            </tr>
          </thead>
          <tbody>
            {report.data.rows.map((row) => (
              <tr
                key={row.sku}
                className={`clickable${sku === row.sku ? ' is-selected' : ''}`}
                onClick={() => setSku(row.sku)}
                data-testid="product-issue-row"
                data-sku={row.sku}
              >
                <td className="nowrap">{row.sku || t('insight.products.unattributed')}</td>
                <td>{row.title}</td>
                <td className="num">{row.messages}</td>
                <td className="num">{row.units_ordered}</td>
                <td className="num">{row.rate_per_1000 === null || row.rate_per_1000 === undefined ? '—' : row.rate_per_1000.toFixed(1)}</td>
                <td>
                  {REASONS.filter((r) => (row.reasons[r] ?? 0) > 0)
                    .map((r) => `${t(`insight.reason.${r}`)} ${row.reasons[r]}`)
                    .join(' · ')}
                </td>
                <td>
                  <svg width="80" height="20" role="img" aria-label={t('insight.products.trend')}>
                    <polyline points={sparkline(row.trend)} fill="none" stroke="currentColor" strokeWidth="1.5" />
                  </svg>
                </td>
                <td>
                  {row.jump.jumped ? (
                    <span className="insight-jump" title={row.jump.reason} data-testid="product-issue-jump">
                      {t('insight.products.jumped')}
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {sku !== null ? (
        <section className="panel" data-testid="product-issue-examples">
          <h2>{t('insight.products.examples', { sku: sku || t('insight.products.unattributed') })}</h2>
          {examples.isLoading ? <Spinner /> : null}
          <ul className="plain-list">
            {(examples.data ?? []).map((e) => (
              <li key={e.message_id}>
                <button type="button" className="insight-link" onClick={() => onOpenConversation(e.conversation_id)} data-testid="product-issue-example">
                  {formatDateTime(e.sent_at, i18n.language)} · {e.reasons.map((r) => t(`insight.reason.${r as IssueReason}`)).join(', ')} — {e.excerpt}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
