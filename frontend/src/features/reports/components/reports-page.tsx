import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate } from 'react-router';
import { Bar, CartesianGrid, ComposedChart, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { DateRangePicker } from '@/components/date-range-picker';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { useMe } from '@/hooks/use-directory';
import { formatSeconds, lastDays, type DateRange } from '@/lib/date-range';
import { formatPercent } from '@/lib/format';
import { useLeaderboard, useSlaSeries, type DrillTarget } from '../api/reports';
import { Drillable, DrillDown } from './drill-down';
import { ReportDownloads } from './report-downloads';
import { ReportSchedules } from './report-schedules';

function SlaOverTime({ range, onDrill }: { range: DateRange; onDrill: (t: DrillTarget) => void }) {
  const { t, i18n } = useTranslation();
  const sla = useSlaSeries(range);
  const rows = useMemo(() => {
    const byDay = new Map<string, { label: string; met: number; breached: number }>();
    for (const p of sla.data?.series ?? []) {
      const key = p.period ?? '';
      const row = byDay.get(key) ?? { label: new Date(key).toLocaleDateString(i18n.language, { month: 'short', day: 'numeric' }), met: 0, breached: 0 };
      row.met += p.sla_met;
      row.breached += p.sla_breached;
      byDay.set(key, row);
    }
    return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
  }, [sla.data, i18n.language]);
  return (
    <section className="panel" data-testid="sla-over-time">
      <header className="panel__head">
        <h2>{t('reports.slaOverTime')}</h2>
      </header>
      {sla.error ? <ErrorNotice error={sla.error} /> : null}
      <table className="table">
        <thead>
          <tr>
            <th>{t('filters.marketplace')}</th>
            <th>{t('reports.slaMet')}</th>
            <th>{t('reports.slaBreached')}</th>
            <th>{t('reports.slaRate')}</th>
          </tr>
        </thead>
        <tbody>
          {(sla.data?.totals ?? []).map((m) => (
            <tr key={m.marketplace} data-testid={`sla-row-${m.marketplace}`}>
              <td>
                {t(`marketplace.${m.marketplace}`, { defaultValue: m.marketplace ?? '' })}
                {sla.data?.marketplace_automation_counts[m.marketplace ?? ''] ? <span className="muted"> · {t('reports.automationCounts')}</span> : null}
              </td>
              <td>
                <Drillable value={m.sla_met} onOpen={() => onDrill({ measure: 'sla_met', marketplace: m.marketplace ?? undefined, label: t('reports.slaMet') })} />
                {m.sla_met_by_automation ? <span className="muted"> ({t('reports.byAutomation', { count: m.sla_met_by_automation })})</span> : null}
              </td>
              <td>
                <Drillable value={m.sla_breached} onOpen={() => onDrill({ measure: 'sla_breached', marketplace: m.marketplace ?? undefined, label: t('reports.slaBreached') })} testId={`sla-breached-${m.marketplace}`} />
              </td>
              <td>{formatPercent(m.sla_rate, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="chart">
        <ResponsiveContainer width="100%" height={200}>
          <ComposedChart data={rows}>
            <CartesianGrid stroke="#eef0f3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: '#6b7280' }} />
            <YAxis tick={{ fontSize: 11, fill: '#6b7280' }} width={40} />
            <Tooltip contentStyle={{ fontSize: 12 }} />
            <Legend wrapperStyle={{ fontSize: 12 }} iconSize={10} />
            <Bar dataKey="met" name={t('reports.slaMet')} stackId="s" fill="#16a34a" isAnimationActive={false} />
            <Bar dataKey="breached" name={t('reports.slaBreached')} stackId="s" fill="#dc2626" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}

/** Reports: agent performance (supervisors and admins), SLA over time, the conversations behind each number. */
export function ReportsPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const [range, setRange] = useState(() => lastDays(7));
  const [drill, setDrill] = useState<DrillTarget | null>(null);
  const user = me.data?.user;
  const supervises = !user || user.role === 'supervisor' || user.role === 'admin';
  const board = useLeaderboard(range, Boolean(me.data) && supervises);
  if (me.data && !supervises && user) return <Navigate to={`/reports/agents/${user.id}`} replace />;
  return (
    <div className="dash" data-testid="reports">
      <header className="dash__head">
        <h1>{t('reports.title')}</h1>
        <DateRangePicker value={range} onChange={setRange} testId="reports-range" />
      </header>
      <p className="muted">{t('reports.peopleNote')}</p>
      <section className="panel" data-testid="leaderboard">
        <header className="panel__head">
          <h2>{t('reports.leaderboard')}</h2>
        </header>
        {board.error ? <ErrorNotice error={board.error} /> : null}
        {board.isLoading ? <Spinner /> : null}
        {board.data && board.data.agents.length === 0 ? <p className="muted">{t('reports.none')}</p> : null}
        {board.data && board.data.agents.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                <th>{t('reports.agent')}</th>
                <th>{t('reports.replies')}</th>
                <th>{t('reports.firstResponses')}</th>
                <th>{t('reports.frtMedian')}</th>
                <th>{t('reports.frtP90')}</th>
                <th>{t('reports.resolved')}</th>
                <th>{t('reports.reopenRate')}</th>
                <th>{t('reports.slaRate')}</th>
              </tr>
            </thead>
            <tbody>
              {board.data.agents.map((a) => (
                <tr key={a.agent_id} data-testid={`leaderboard-row-${a.agent_id}`}>
                  <td>
                    <Link to={`/reports/agents/${a.agent_id}`} data-testid="leaderboard-agent">
                      {a.name}
                    </Link>
                  </td>
                  <td>
                    <Drillable value={a.replies_human} testId="leaderboard-replies" onOpen={() => setDrill({ measure: 'replies', agentId: a.agent_id, label: `${a.name} · ${t('reports.replies')}` })} />
                  </td>
                  <td>
                    <Drillable value={a.first_responses} onOpen={() => setDrill({ measure: 'first_responses', agentId: a.agent_id, label: `${a.name} · ${t('reports.firstResponses')}` })} />
                  </td>
                  <td>{formatSeconds(a.first_response_wall.median_seconds)}</td>
                  <td>{formatSeconds(a.first_response_wall.p90_seconds)}</td>
                  <td>
                    <Drillable value={a.resolutions} onOpen={() => setDrill({ measure: 'resolutions', agentId: a.agent_id, label: `${a.name} · ${t('reports.resolved')}` })} />
                  </td>
                  <td>{formatPercent(a.reopen_rate, i18n.language)}</td>
                  <td>{formatPercent(a.sla_rate, i18n.language)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      {drill ? <DrillDown range={range} target={drill} onClose={() => setDrill(null)} /> : null}
      <SlaOverTime range={range} onDrill={setDrill} />
      <ReportDownloads />
      <ReportSchedules />
    </div>
  );
}
