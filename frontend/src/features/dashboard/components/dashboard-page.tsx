import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { useOverview } from '../api/metrics';
import { DeflectionPanel } from './deflection-panel';
import { KpiCards } from './kpi-cards';
import { RateChart } from './rate-chart';
import { ResponseRatePanel } from './response-rate-panel';
import { TrendPanel } from './trend-panel';
import { WorkloadPanel } from './workload-panel';

/** The supervisor's view. Every figure comes from the API; nothing is estimated in the browser. */
export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const overview = useOverview();
  return (
    <div className="dash" data-testid="dashboard">
      <header className="dash__head">
        <h1>{t('dashboard.title')}</h1>
        {overview.data ? <span className="muted">{t('dashboard.updated', { time: formatDateTime(overview.data.generated_at, i18n.language) })}</span> : null}
      </header>
      {overview.error ? <ErrorNotice error={overview.error} /> : null}
      <KpiCards overview={overview.data} />
      <TrendPanel />
      <div className="dash__grid">
        <ResponseRatePanel />
        <RateChart />
      </div>
      <WorkloadPanel />
      <DeflectionPanel />
    </div>
  );
}
