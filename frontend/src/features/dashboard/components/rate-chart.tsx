import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { formatPercent } from '@/lib/format';
import { useAllWindows } from '../api/metrics';
import { chartThreshold, marketplacesIn, periodSeries, type PeriodPoint } from '../lib/chart-data';

const GREEN = '#16a34a';
const RED = '#dc2626';
const BLUE = '#1d4ed8';
const AMBER = '#d97706';

/**
 * Response rate over time: the API's 7/14/30/60/90-day windows differenced into periods (see
 * lib/chart-data.ts). Bars: messages answered in time and missed per day in each period; line: the
 * period's rate; dashed: the marketplace's threshold.
 */
export function RateChart() {
  const { t, i18n } = useTranslation();
  const windows = useAllWindows();
  const [marketplace, setMarketplace] = useState<string>('');
  const options = marketplacesIn(windows.reports);
  const mp = marketplace || null;
  const data = useMemo(() => periodSeries(windows.reports, mp), [windows.reports, mp]);
  const threshold = chartThreshold(windows.reports, mp);
  const label = (p: PeriodPoint) => (p.toDays === 0 ? t('dashboard.periodLatest', { days: p.fromDays }) : t('dashboard.period', { from: p.toDays + 1, to: p.fromDays }));
  const rows = data.map((p) => ({ ...p, label: label(p), ratePct: p.rate === null ? null : Math.round(p.rate * 1000) / 10 }));
  const empty = data.every((p) => p.answered + p.missed === 0);

  return (
    <section className="panel" data-testid="rate-chart">
      <header className="panel__head">
        <h2>{t('dashboard.overTime')}</h2>
        <div className="panel__tools">
          <select value={marketplace} aria-label={t('filters.marketplace')} onChange={(e) => setMarketplace(e.target.value)} data-testid="chart-marketplace">
            <option value="">{t('dashboard.allMarketplaces')}</option>
            {options.map((m) => (
              <option key={m} value={m}>
                {t(`marketplace.${m}`, { defaultValue: m })}
              </option>
            ))}
          </select>
        </div>
      </header>
      {windows.error ? <ErrorNotice error={windows.error} /> : null}
      {windows.isLoading ? (
        <Spinner />
      ) : (
        <div className="chart" data-empty={empty}>
          {empty ? <p className="chart__empty muted">{t('dashboard.chartEmpty')}</p> : null}
          <ResponsiveContainer width="100%" height={240}>
            <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
              <CartesianGrid stroke="#eef0f3" vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#6b7280' }} tickLine={false} axisLine={{ stroke: '#e3e6ea' }} />
              <YAxis yAxisId="count" tick={{ fontSize: 11, fill: '#6b7280' }} tickLine={false} axisLine={false} allowDecimals width={44} />
              <YAxis yAxisId="rate" orientation="right" domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} tick={{ fontSize: 11, fill: '#6b7280' }} tickLine={false} axisLine={false} width={40} />
              <Tooltip
                contentStyle={{ fontSize: 12, borderRadius: 6 }}
                formatter={(value, name, item) => {
                  const p = item.payload as PeriodPoint;
                  if (name === t('dashboard.seriesRate')) return [formatPercent(p.rate, i18n.language), name];
                  if (name === t('dashboard.seriesAnswered')) return [t('dashboard.perDayOf', { perDay: value, total: p.answered }), name];
                  return [t('dashboard.perDayOf', { perDay: value, total: p.missed }), name];
                }}
              />
              <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} />
              <Bar yAxisId="count" dataKey="answeredPerDay" name={t('dashboard.seriesAnswered')} stackId="v" fill={GREEN} radius={[0, 0, 0, 0]} maxBarSize={48} isAnimationActive={false} />
              <Bar yAxisId="count" dataKey="missedPerDay" name={t('dashboard.seriesMissed')} stackId="v" fill={RED} radius={[3, 3, 0, 0]} maxBarSize={48} isAnimationActive={false} />
              <Line yAxisId="rate" type="monotone" dataKey="ratePct" name={t('dashboard.seriesRate')} stroke={BLUE} strokeWidth={2} dot={{ r: 3 }} connectNulls isAnimationActive={false} />
              {threshold !== null ? (
                <ReferenceLine yAxisId="rate" y={threshold * 100} stroke={AMBER} strokeDasharray="4 4" label={{ value: t('dashboard.threshold'), position: 'insideTopRight', fontSize: 11, fill: AMBER }} />
              ) : null}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
