import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import type { DateRange } from '@/lib/date-range';
import { useDrillDown, type DrillTarget } from '../api/reports';

/** The conversations behind a number, each opening in the inbox. */
export function DrillDown({ range, target, onClose }: { range: DateRange; target: DrillTarget; onClose: () => void }) {
  const { t } = useTranslation();
  const found = useDrillDown(range, target);
  return (
    <section className="panel" data-testid="drilldown">
      <header className="panel__head">
        <h2>{t('reports.behind', { what: target.label })}</h2>
        <button type="button" className="btn btn--ghost btn--sm" onClick={onClose} data-testid="drilldown-close">
          {t('reports.close')}
        </button>
      </header>
      {found.error ? <ErrorNotice error={found.error} /> : null}
      {found.isLoading ? <Spinner /> : null}
      {found.data && found.data.length === 0 ? <p className="muted">{t('reports.none')}</p> : null}
      <ul className="drilldown__list">
        {(found.data ?? []).map((c) => (
          <li key={c.id} data-testid="drilldown-item">
            <MarketplaceBadge marketplace={c.marketplace} /> <Link to={`/inbox/${c.id}`}>{c.subject || c.last_message_preview || c.id}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A figure that opens the conversations behind it. */
export function Drillable({ value, onOpen, testId }: { value: string | number; onOpen: () => void; testId?: string }) {
  return (
    <button type="button" className="link-button" onClick={onOpen} data-testid={testId}>
      {value}
    </button>
  );
}
