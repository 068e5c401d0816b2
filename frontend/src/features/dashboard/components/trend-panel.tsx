import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { DateRangePicker } from '@/components/date-range-picker';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { Toggle } from '@/components/form';
import { change, formatSeconds, lastDays } from '@/lib/date-range';
import { formatPercent } from '@/lib/format';
import { useTrend, type MetricPoint } from '../api/trend';

const MARKETPLACES = ['amazon', 'walmart', 'ebay', 'tiktok', 'shopee', 'email', 'api'] as const;

function Delta({ now, before, lowerIsBetter = false }: { now: number | null | undefined; before: number | null | undefined; lowerIsBetter?: boolean }) {
  const { t, i18n } = useTranslation();
  const c = change(now, before);
  if (c === null) return <span className="muted trend__delta">{t('dashboard.series.noCompare')}</span>;
  const good = lowerIsBetter ? c <= 0 : c >= 0;
  return (
    <span className={`trend__delta ${good ? 'trend__delta--good' : 'trend__delta--bad'}`}>
      {c >= 0 ? '▲' : '▼'} {formatPercent(Math.abs(c), i18n.language, 0)} {t('dashboard.series.vsPrevious')}
    </span>
  );
}

/** The time series of the rollups over a chosen range, beside the previous period of the same length. */
export function TrendPanel() {
  const { t, i18n } = useTranslation();
  const [range, setRange] = useState(() => lastDays(7));
  const [marketplace, setMarketplace] = useState('');
  const [automation, setAutomation] = useState(false);
  const trend = useTrend(range, marketplace, automation);
  const total: MetricPoint | undefined = trend.data?.totals[0];
  const previous: MetricPoint | undefined = trend.data?.previous_totals[0];
  const rows = (trend.data?.series ?? []).map((p) => ({
    label: new Date(p.period ?? '').toLocaleDateString(i18n.language, { month: 'short', day: 'numeric' }),
    human: p.replies_human,
    automated: p.replies_automated,
    slaPct: p.sla_rate === null ? null : Math.round(p.sla_rate * 1000) / 10,
  }));
  const cards = [
    { key: 'replies', label: t('dashboard.series.repliesHuman'), value: String(total?.replies_human ?? '—'), now: total?.replies_human, before: previous?.replies_human },
    { key: 'automated', label: t('dashboard.series.repliesAutomated'), value: String(total?.replies_automated ?? '—'), now: total?.replies_automated, before: previous?.replies_automated, lower: true },
    { key: 'frt', label: t('dashboard.series.frtMedian'), value: formatSeconds(total?.first_response_wall.median_seconds), now: total?.first_response_wall.median_seconds, before: previous?.first_response_wall.median_seconds, lower: true },
    { key: 'sla', label: t('dashboard.series.slaRate'), value: formatPercent(total?.sla_rate, i18n.language), now: total?.sla_rate, before: previous?.sla_rate },
    { key: 'resolved', label: t('dashboard.series.resolved'), value: String(total?.resolutions ?? '—'), now: total?.resolutions, before: previous?.resolutions },
    { key: 'backlog', label: t('dashboard.series.backlog'), value: String(total?.backlog ?? '—'), now: total?.backlog, before: previous?.backlog, lower: true },
  ];
  return (
    <section className="panel" data-testid="trend-panel">
      <header className="panel__head">
        <h2>{t('dashboard.series.title')}</h2>
        <div className="panel__tools">
          <DateRangePicker value={range} onChange={setRange} testId="trend-range" />
          <select value={marketplace} aria-label={t('filters.marketplace')} onChange={(e) => setMarketplace(e.target.value)} data-testid="trend-marketplace">
            <option value="">{t('dashboard.allMarketplaces')}</option>
            {MARKETPLACES.map((m) => (
              <option key={m} value={m}>
                {t(`marketplace.${m}`, { defaultValue: m })}
              </option>
            ))}
          </select>
          <Toggle checked={automation} onChange={setAutomation} label={t('dashboard.series.includeAutomation')} testId="trend-automation" />
        </div>
      </header>
      <p className="muted" data-testid="trend-automation-note">
        {automation ? t('dashboard.series.countsAutomation') : t('dashboard.series.peopleOnly')}
      </p>
      {trend.error ? <ErrorNotice error={trend.error} /> : null}
      {trend.isLoading ? (
        <Spinner />
      ) : (
        <>
          <div className="trend__cards">
            {cards.map((c) => (
              <div key={c.key} className="trend__card" data-testid={`trend-${c.key}`}>
                <div className="muted">{c.label}</div>
                <div className="trend__value" data-testid={`trend-${c.key}-value`}>
                  {c.value}
                </div>
                <Delta now={c.now} before={c.before} lowerIsBetter={c.lower} />
              </div>
            ))}
          </div>
          <div className="chart" data-testid="trend-chart">
            <ResponsiveContainer width="100%" height={240}>
              <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
                <CartesianGrid stroke="#eef0f3" vertical={false} />
                <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#6b7280' }} tickLine={false} />
                <YAxis yAxisId="count" tick={{ fontSize: 11, fill: '#6b7280' }} tickLine={false} axisLine={false} width={44} />
                <YAxis yAxisId="rate" orientation="right" domain={[0, 100]} tickFormatter={(v: number) => `${v}%`} tick={{ fontSize: 11, fill: '#6b7280' }} width={40} />
                <Tooltip contentStyle={{ fontSize: 12, borderRadius: 6 }} />
                <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} />
                <Bar yAxisId="count" dataKey="human" name={t('dashboard.series.repliesHuman')} stackId="r" fill="#1d4ed8" isAnimationActive={false} />
                <Bar yAxisId="count" dataKey="automated" name={t('dashboard.series.repliesAutomated')} stackId="r" fill="#93c5fd" isAnimationActive={false} />
                <Line yAxisId="rate" dataKey="slaPct" name={t('dashboard.series.slaRate')} stroke="#16a34a" strokeWidth={2} connectNulls isAnimationActive={false} />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
    </section>
  );
}
