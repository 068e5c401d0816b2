import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { useCoverage } from '../api/shifts';
import { coverageGrid } from '../lib/roster';

const HOURS = Array.from({ length: 24 }, (_, h) => h);

/**
 * Agents on shift per hour of the coming week against the buyer messages of the same hour over the
 * last four weeks (weekly average), in the organization's zone; an hour with traffic and nobody on
 * shift is a gap.
 */
export function CoverageView({ teamId }: { teamId: string | null }) {
  const { t, i18n } = useTranslation();
  const coverage = useCoverage(teamId);
  const grid = useMemo(() => coverageGrid(coverage.data?.hours ?? []), [coverage.data]);
  const days = useMemo(() => {
    const fmt = new Intl.DateTimeFormat(i18n.language, { weekday: 'short', timeZone: 'UTC' });
    return Array.from({ length: 7 }, (_, i) => fmt.format(Date.UTC(2024, 0, 1 + i)));
  }, [i18n.language]);
  const gaps = (coverage.data?.hours ?? []).filter((h) => h.gap).length;
  const number = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 });
  return (
    <section className="panel" data-testid="coverage" aria-labelledby="coverage-title">
      <header className="panel__head">
        <h2 id="coverage-title">{t('shifts.coverage.title')}</h2>
        {coverage.data ? (
          <span className={gaps ? 'cov-summary cov-summary--gaps' : 'cov-summary'} data-testid="coverage-gaps" data-gaps={gaps}>
            {gaps ? t('shifts.coverage.gaps', { count: gaps }) : t('shifts.coverage.noGaps')}
          </span>
        ) : null}
      </header>
      <p className="muted">{t('shifts.coverage.intro', { zone: coverage.data?.time_zone ?? '', weeks: coverage.data?.weeks ?? 4 })}</p>
      {coverage.error ? <ErrorNotice error={coverage.error} /> : null}
      {coverage.isLoading ? (
        <Spinner />
      ) : (
        <div className="cov-scroll">
          <table className="cov" data-testid="coverage-grid">
            <caption className="sr-only">{t('shifts.coverage.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">{t('shifts.coverage.day')}</span>
                </th>
                {HOURS.map((h) => (
                  <th key={h} scope="col">
                    {String(h).padStart(2, '0')}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {grid.map((row, d) => (
                <tr key={days[d]}>
                  <th scope="row">{days[d]}</th>
                  {row.map((cell, h) => {
                    if (!cell) return <td key={h} />;
                    const label = t('shifts.coverage.cell', { day: days[d], hour: String(h).padStart(2, '0'), count: cell.agents, traffic: number.format(cell.traffic) });
                    const tone = cell.gap ? 'gap' : cell.agents === 0 ? 'idle' : cell.traffic > cell.agents * 10 ? 'thin' : 'ok';
                    return (
                      <td key={h} className={`cov__cell cov__cell--${tone}`} title={label} data-testid="coverage-cell" data-gap={cell.gap} data-agents={cell.agents}>
                        <span aria-hidden>{cell.agents}</span>
                        <span className="sr-only">{label}</span>
                        {cell.traffic > 0 ? <span className="cov__traffic" aria-hidden>{number.format(cell.traffic)}</span> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="cov-legend muted">
        <span className="cov__cell cov__cell--ok cov-legend__swatch">2</span> {t('shifts.coverage.legendAgents')}
        <span className="cov__traffic cov-legend__traffic">1.5</span> {t('shifts.coverage.legendTraffic')}
        <span className="cov__cell cov__cell--gap cov-legend__swatch">0</span> {t('shifts.coverage.legendGap')}
      </p>
    </section>
  );
}
