import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { DateRangePicker } from '@/components/date-range-picker';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { change, formatSeconds, lastDays } from '@/lib/date-range';
import { formatPercent } from '@/lib/format';
import { useAgentReport, type DrillTarget, type MetricFigures } from '../api/reports';
import { Drillable, DrillDown } from './drill-down';

/** One agent's performance: totals beside the previous period, workload over time. */
export function AgentPage({ userId }: { userId: string }) {
  const { t, i18n } = useTranslation();
  const [range, setRange] = useState(() => lastDays(7));
  const [drill, setDrill] = useState<DrillTarget | null>(null);
  const report = useAgentReport(userId, range);
  const d = report.data;
  const figure = (key: string, label: string, pick: (f: MetricFigures) => number | null, show: (v: number | null) => string, measure?: DrillTarget['measure']) => {
    const now = d ? pick(d.totals) : null;
    const before = d ? pick(d.previous_totals) : null;
    const c = change(now, before);
    return (
      <div key={key} className="trend__card" data-testid={`agent-${key}`}>
        <div className="muted">{label}</div>
        <div className="trend__value">{measure ? <Drillable value={show(now)} onOpen={() => setDrill({ measure, agentId: userId, label })} testId={`agent-${key}-value`} /> : show(now)}</div>
        <span className="muted">
          {t('reports.previous')}: {show(before)}
          {c === null ? '' : ` (${c >= 0 ? '+' : '−'}${formatPercent(Math.abs(c), i18n.language, 0)})`}
        </span>
      </div>
    );
  };
  const n = (v: number | null) => (v === null ? '—' : String(v));
  const rows = (d?.series ?? []).map((p) => ({
    label: new Date(p.period ?? '').toLocaleDateString(i18n.language, { month: 'short', day: 'numeric' }),
    replies: p.replies_human,
    resolved: p.resolutions,
    backlog: p.backlog,
  }));
  return (
    <div className="dash" data-testid="agent-report">
      <header className="dash__head">
        <h1>
          <Link to="/reports">{t('reports.title')}</Link> / {d?.name ?? ''}
        </h1>
        <DateRangePicker value={range} onChange={setRange} testId="agent-range" />
      </header>
      {report.error ? <ErrorNotice error={report.error} /> : null}
      {report.isLoading ? <Spinner /> : null}
      {d ? (
        <>
          <div className="trend__cards">
            {figure('replies', t('reports.replies'), (f) => f.replies_human, n, 'replies')}
            {figure('first', t('reports.firstResponses'), (f) => f.first_responses, n, 'first_responses')}
            {figure('frt', t('reports.frtMedian'), (f) => f.first_response_wall.median_seconds, formatSeconds)}
            {figure('frt-business', t('reports.frtBusiness'), (f) => f.first_response_business.median_seconds, formatSeconds)}
            {figure('resolved', t('reports.resolved'), (f) => f.resolutions, n, 'resolutions')}
            {figure('resolution', t('reports.resolutionMedian'), (f) => f.resolution_wall.median_seconds, formatSeconds)}
            {figure('sla', t('reports.slaRate'), (f) => f.sla_rate, (v) => formatPercent(v, i18n.language))}
          </div>
          <section className="panel">
            <header className="panel__head">
              <h2>{t('reports.workload')}</h2>
            </header>
            <div className="chart" data-testid="agent-chart">
              <ResponsiveContainer width="100%" height={220}>
                <ComposedChart data={rows}>
                  <CartesianGrid stroke="#eef0f3" vertical={false} />
                  <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#6b7280' }} />
                  <YAxis tick={{ fontSize: 11, fill: '#6b7280' }} width={40} />
                  <Tooltip contentStyle={{ fontSize: 12 }} />
                  <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} />
                  <Bar dataKey="replies" name={t('reports.replies')} fill="#1d4ed8" isAnimationActive={false} />
                  <Bar dataKey="resolved" name={t('reports.resolved')} fill="#16a34a" isAnimationActive={false} />
                  <Line dataKey="backlog" name={t('reports.backlog')} stroke="#d97706" isAnimationActive={false} />
                </ComposedChart>
              </ResponsiveContainer>
            </div>
          </section>
        </>
      ) : null}
      {drill ? <DrillDown range={range} target={drill} onClose={() => setDrill(null)} /> : null}
    </div>
  );
}
