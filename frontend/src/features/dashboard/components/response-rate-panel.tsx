import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Segmented, Toggle } from '@/components/form';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useChannelNames } from '@/hooks/use-directory';
import { formatPercent } from '@/lib/format';
import { useResponseRate, WINDOWS, type WindowDays } from '../api/metrics';
import { rateHealth, type RateRow } from '../lib/chart-data';

/** Response rate per marketplace over its rolling window, against the marketplace's threshold. */
export function ResponseRatePanel() {
  const { t } = useTranslation();
  const [windowDays, setWindowDays] = useState<WindowDays>(14);
  const [byStore, setByStore] = useState(false);
  const report = useResponseRate(windowDays);
  const channelNames = useChannelNames();
  const rows = report.data?.marketplaces ?? [];
  return (
    <section className="panel" data-testid="response-rate">
      <header className="panel__head">
        <h2>{t('dashboard.responseRate')}</h2>
        <div className="panel__tools">
          <Toggle checked={byStore} onChange={setByStore} label={t('dashboard.byStore')} />
          <Segmented
            ariaLabel={t('dashboard.window')}
            options={WINDOWS.map((w) => ({ value: w, label: t('dashboard.days', { count: w }) }))}
            value={windowDays}
            onChange={setWindowDays}
            testId="rate-window"
          />
        </div>
      </header>
      {report.error ? <ErrorNotice error={report.error} /> : null}
      {report.isLoading ? (
        <Spinner />
      ) : rows.length === 0 ? (
        <p className="muted panel__empty">{t('dashboard.noRates')}</p>
      ) : (
        <table className="table rate-table">
          <thead>
            <tr>
              <th>{t('filters.marketplace')}</th>
              <th className="rate-table__bar-col">{t('dashboard.rate')}</th>
              <th className="num">{t('dashboard.inTime')}</th>
              <th className="num">{t('dashboard.missed')}</th>
              <th>{t('dashboard.headroom')}</th>
              <th>{t('dashboard.trend')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <RateRows
                key={row.marketplace}
                row={row}
                stores={byStore ? (report.data?.channels ?? []).filter((c) => c.marketplace === row.marketplace) : []}
                channelNames={channelNames}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function RateRows({ row, stores, channelNames }: { row: RateRow; stores: RateRow[]; channelNames: ReadonlyMap<string, string> }) {
  return (
    <>
      <RateLine row={row} label={<MarketplaceBadge marketplace={row.marketplace} />} />
      {stores.map((s) => (
        <RateLine key={s.channel_id} row={s} label={<span className="rate-table__store">{channelNames.get(s.channel_id ?? '') ?? s.channel_id?.slice(0, 8)}</span>} sub />
      ))}
    </>
  );
}

function RateLine({ row, label, sub = false }: { row: RateRow; label: ReactNode; sub?: boolean }) {
  const { t, i18n } = useTranslation();
  const health = rateHealth(row);
  const pct = (v: number | null) => formatPercent(v, i18n.language);
  return (
    <tr className={sub ? 'rate-table__sub' : ''} data-testid={sub ? 'rate-row-store' : 'rate-row'} data-marketplace={row.marketplace} data-health={health}>
      <td>{label}</td>
      <td>
        <div className="ratebar" title={row.threshold_source ? t(`dashboard.thresholdSource.${row.marketplace}`, { defaultValue: row.threshold_source }) : undefined}>
          <div className="ratebar__track">
            {row.rate !== null ? <div className={`ratebar__fill ratebar__fill--${health}`} style={{ width: `${row.rate * 100}%` }} /> : null}
            {row.threshold !== null ? <div className="ratebar__threshold" style={{ left: `${row.threshold * 100}%` }} aria-hidden /> : null}
          </div>
          <span className="ratebar__value" data-testid="rate-value">
            {pct(row.rate)}
          </span>
          <span className="ratebar__target">{row.threshold !== null ? t('dashboard.target', { value: pct(row.threshold) }) : ''}</span>
        </div>
      </td>
      <td className="num">{row.answered_in_time}</td>
      <td className={`num${row.missed > 0 ? ' is-bad' : ''}`}>{row.missed}</td>
      <td data-testid="rate-headroom">
        {row.threshold === null ? (
          <span className="muted">{t('dashboard.noThreshold')}</span>
        ) : row.rate === null ? (
          <span className="muted">{t('dashboard.noData')}</span>
        ) : health === 'below' ? (
          <span className="tag tag--danger">{t('dashboard.belowThreshold')}</span>
        ) : (
          <span className={health === 'tight' ? 'tag tag--high' : 'tag tag--ok'}>{t('dashboard.missesLeft', { count: row.misses_absorbable ?? 0 })}</span>
        )}
      </td>
      <td>
        <Trend row={row} />
      </td>
    </tr>
  );
}

function Trend({ row }: { row: RateRow }) {
  const { t, i18n } = useTranslation();
  if (row.trend === 'unknown' || row.previous_rate === null) return <span className="muted">—</span>;
  const arrow = row.trend === 'up' ? '▲' : row.trend === 'down' ? '▼' : '▬';
  return (
    <span className={`trend trend--${row.trend}`} title={t('dashboard.previous', { value: formatPercent(row.previous_rate, i18n.language) })}>
      {arrow} {formatPercent(row.previous_rate, i18n.language)}
    </span>
  );
}
