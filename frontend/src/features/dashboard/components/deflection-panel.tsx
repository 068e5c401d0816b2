import { useTranslation } from 'react-i18next';
import { LoadFailed, Spinner } from '@/components/feedback';
import { formatPercent } from '../lib/deflection';
import { useDeflection } from '../api/deflection';

const DAYS = 30;

/** Self-service: what the public help pages answered before it became a conversation. */
export function DeflectionPanel() {
  const { t, i18n } = useTranslation();
  const deflection = useDeflection(DAYS);
  const d = deflection.data;
  return (
    <section className="panel" data-testid="deflection">
      <header className="panel__head">
        <h2>{t('dashboard.deflection.title')}</h2>
        <span className="muted">{t('dashboard.deflection.hint', { days: DAYS })}</span>
      </header>
      <LoadFailed what={t('dashboard.deflection.title')} error={deflection.error} onRetry={() => void deflection.refetch()} testId="deflection-failed" />
      {deflection.isLoading ? <Spinner /> : null}
      {d ? (
        <>
          <div className="kpis">
            <div className="kpi">
              <span className="kpi__label">{t('dashboard.deflection.answered')}</span>
              <span className="kpi__value" data-testid="deflection-answered">
                {d.answered}
              </span>
              <span className="kpi__hint">{t('dashboard.deflection.answeredHint')}</span>
            </div>
            <div className="kpi">
              <span className="kpi__label">{t('dashboard.deflection.sent')}</span>
              <span className="kpi__value" data-testid="deflection-sent">
                {d.questions_sent}
              </span>
              <span className="kpi__hint">{t('dashboard.deflection.sentHint')}</span>
            </div>
            <div className="kpi">
              <span className="kpi__label">{t('dashboard.deflection.rate')}</span>
              <span className="kpi__value" data-testid="deflection-rate">
                {formatPercent(d.deflection_rate, i18n.language)}
              </span>
              <span className="kpi__hint">{t('dashboard.deflection.rateHint')}</span>
            </div>
            <div className="kpi">
              <span className="kpi__label">{t('dashboard.deflection.views')}</span>
              <span className="kpi__value">{d.views}</span>
              <span className="kpi__hint">{t('dashboard.deflection.used', { inserted: d.inserted, sent: d.sent })}</span>
            </div>
          </div>
          {d.top.length > 0 ? (
            <table className="table">
              <thead>
                <tr>
                  <th>{t('dashboard.deflection.article')}</th>
                  <th className="num">{t('dashboard.deflection.views')}</th>
                  <th className="num">{t('dashboard.deflection.answered')}</th>
                  <th className="num">{t('dashboard.deflection.sent')}</th>
                </tr>
              </thead>
              <tbody>
                {d.top.map((a) => (
                  <tr key={a.article_id} data-testid="deflection-row">
                    <td>{a.title}</td>
                    <td className="num">{a.views}</td>
                    <td className="num">{a.answered}</td>
                    <td className="num">{a.questions}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
