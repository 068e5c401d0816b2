import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { lastDays, RANGE_DAYS, type RangeDays } from '../lib/range';
import { CsatReport } from './csat-report';
import { ProductIssues } from './product-issues';

export type InsightSection = 'csat' | 'products';

interface InsightPageProps {
  section: InsightSection;
  onSection: (section: InsightSection) => void;
  onOpenConversation: (id: string) => void;
}

/** Reports on satisfaction (CSAT) and on the products buyers write about. */
export function InsightPage({ section, onSection, onOpenConversation }: InsightPageProps) {
  const { t } = useTranslation();
  const [days, setDays] = useState<RangeDays>(56);
  const range = useMemo(() => lastDays(days), [days]);
  return (
    <div className="page-pad" data-testid="insight-page">
      {/* The range picker sits beside the tabs, outside the tablist (a tablist holds only tabs). */}
      <div className="tabs">
        <div role="tablist" aria-label={t('insight.title')} style={{ display: 'flex', gap: 'inherit' }}>
        {(['csat', 'products'] as const).map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={section === s}
            className={`tab${section === s ? ' is-active' : ''}`}
            onClick={() => onSection(s)}
            data-testid={`insight-tab-${s}`}
          >
            {t(`insight.${s === 'csat' ? 'csat' : 'products'}.title`)}
          </button>
        ))}
        </div>
        <label className="insight-inline">
          {t('insight.range')}{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as RangeDays)} data-testid="insight-range">
            {RANGE_DAYS.map((d) => (
              <option key={d} value={d}>
                {t('insight.lastDays', { count: d })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {section === 'csat' ? (
        <CsatReport range={range} onOpenConversation={onOpenConversation} />
      ) : (
        <ProductIssues range={range} onOpenConversation={onOpenConversation} />
      )}
    </div>
  );
}
