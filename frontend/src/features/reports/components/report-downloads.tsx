import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { api, unwrap } from '@/lib/api-client';
import { formatSeconds } from '@/lib/date-range';
import { formatPercent } from '@/lib/format';
import type { MetricFigures } from '../api/reports';

type Period = 'week' | 'month';
type Format = 'pdf' | 'csv' | 'xlsx';

const MEDIA: Record<Format, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The weekly / monthly report: its figures beside the previous period, and the files to download. */
export function ReportDownloads() {
  const { t, i18n } = useTranslation();
  const [period, setPeriod] = useState<Period>('week');
  const [busy, setBusy] = useState<Format | null>(null);
  const report = useQuery({
    queryKey: ['reports', 'periodic', period],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/periodic', { params: { query: { period } }, signal })),
  });
  const download = async (format: Format) => {
    setBusy(format);
    try {
      const language = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
      const { data } = await api.GET('/v1/reports/periodic/download', { params: { query: { period, format, language } }, parseAs: 'blob' });
      if (!(data instanceof Blob)) return;
      const url = URL.createObjectURL(new Blob([data], { type: MEDIA[format] }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `hourglass-${period}ly-report-${(report.data?.from ?? '').slice(0, 10)}.${format}`;
      link.click();
      URL.revokeObjectURL(url);
    } finally {
      setBusy(null);
    }
  };
  const rows: { key: string; label: string; pick: (f: MetricFigures) => string }[] = [
    { key: 'replies', label: t('reports.replies'), pick: (f) => String(f.replies_human) },
    { key: 'automated', label: t('reports.automated'), pick: (f) => String(f.replies_automated) },
    { key: 'frt', label: t('reports.frtMedian'), pick: (f) => formatSeconds(f.first_response_wall.median_seconds) },
    { key: 'frtP90', label: t('reports.frtP90'), pick: (f) => formatSeconds(f.first_response_wall.p90_seconds) },
    { key: 'frtBusiness', label: t('reports.frtBusiness'), pick: (f) => formatSeconds(f.first_response_business.median_seconds) },
    { key: 'resolved', label: t('reports.resolved'), pick: (f) => String(f.resolutions) },
    { key: 'reopen', label: t('reports.reopenRate'), pick: (f) => formatPercent(f.reopen_rate, i18n.language) },
    { key: 'sla', label: t('reports.slaRate'), pick: (f) => formatPercent(f.sla_rate, i18n.language) },
    { key: 'backlog', label: t('reports.backlog'), pick: (f) => String(f.backlog) },
  ];
  return (
    <section className="panel" data-testid="periodic-report">
      <header className="panel__head">
        <h2>{period === 'week' ? t('reports.weekly') : t('reports.monthly')}</h2>
        <div className="panel__tools">
          <select value={period} aria-label={t('reports.period')} onChange={(e) => setPeriod(e.target.value as Period)} data-testid="report-period">
            <option value="week">{t('reports.weekly')}</option>
            <option value="month">{t('reports.monthly')}</option>
          </select>
          {(['pdf', 'csv', 'xlsx'] as const).map((f) => (
            <button key={f} type="button" className="btn btn--sm" disabled={busy !== null} onClick={() => void download(f)} data-testid={`report-download-${f}`}>
              {t('reports.download', { format: f.toUpperCase() })}
            </button>
          ))}
        </div>
      </header>
      {report.error ? <ErrorNotice error={report.error} /> : null}
      {report.isLoading ? <Spinner /> : null}
      {report.data ? (
        <>
          <p className="muted">
            {report.data.from.slice(0, 10)} – {new Date(new Date(report.data.to).getTime() - 1).toISOString().slice(0, 10)} ({report.data.time_zone})
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>{t('reports.figure')}</th>
                <th>{t('reports.thisPeriod')}</th>
                <th>{t('reports.previous')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-testid={`periodic-${r.key}`}>
                  <td>{r.label}</td>
                  <td>{r.pick(report.data.totals)}</td>
                  <td>{r.pick(report.data.previous_totals)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
