import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { FormProblem } from '@/components/form';
import { downloadExport, isUnfinished, useCreateExport, useExportList, type ExportFormat, type ExportJob, type ExportKind } from '@/hooks/use-exports';
import { formatDateTime } from '@/lib/format';

const ALL_KINDS: readonly ExportKind[] = ['conversations', 'messages', 'cases', 'customers', 'audit', 'reports'];

function sizeOf(bytes: number | null | undefined): string {
  if (bytes == null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Exports: create one (any kind, a period), follow its progress, download the file while it lasts (7 days). */
export function ExportsPage({ canAudit, canCreate }: { canAudit: boolean; canCreate: boolean }) {
  const { t, i18n } = useTranslation();
  const list = useExportList();
  const create = useCreateExport();
  const kinds = ALL_KINDS.filter((k) => k !== 'audit' || canAudit);
  const [kind, setKind] = useState<ExportKind>('conversations');
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const end = to ? new Date(`${to}T00:00:00`) : null;
    if (end) end.setDate(end.getDate() + 1);
    create.mutate({
      kind,
      format,
      ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
      ...(end ? { to: end.toISOString() } : {}),
    });
  };
  const download = (job: ExportJob) => {
    setDownloadError(null);
    void downloadExport(job).catch(setDownloadError);
  };
  const items = list.data?.items ?? [];
  return (
    <section className="settings-page" data-testid="exports-page">
      <header className="settings-page__head">
        <div>
          <h2>{t('exports.title')}</h2>
          <p className="muted">{t('exports.intro')}</p>
        </div>
      </header>
      {canCreate ? (
        <form className="card exports-form" onSubmit={submit} aria-label={t('exports.create')}>
          <h3>{t('exports.create')}</h3>
          <div className="exports-form__fields">
            <label className="ffield">
              <span className="ffield__label">{t('exports.kind')}</span>
              <select className="input input--sm" value={kind} onChange={(e) => setKind(e.target.value as ExportKind)} data-testid="exports-kind">
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {t(`exports.kinds.${k}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="ffield">
              <span className="ffield__label">{t('exports.format')}</span>
              <select className="input input--sm" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid="exports-format">
                <option value="csv">{t('exports.formats.csv')}</option>
                <option value="jsonl">{t('exports.formats.jsonl')}</option>
              </select>
            </label>
            <label className="ffield">
              <span className="ffield__label">{t('exports.from')}</span>
              <input type="date" className="input input--sm" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="exports-from" />
            </label>
            <label className="ffield">
              <span className="ffield__label">{t('exports.to')}</span>
              <input type="date" className="input input--sm" value={to} onChange={(e) => setTo(e.target.value)} data-testid="exports-to" />
            </label>
          </div>
          <FormProblem error={create.error} />
          <button type="submit" className="btn btn--primary btn--sm" disabled={create.isPending} data-testid="exports-create">
            {t('exports.export')}
          </button>
        </form>
      ) : null}
      {list.error ? <ErrorNotice error={list.error} /> : null}
      {downloadError ? <ErrorNotice error={downloadError} /> : null}
      {list.isLoading ? <Spinner /> : null}
      {list.data && items.length === 0 ? <EmptyState title={t('exports.empty')} /> : null}
      {items.length > 0 ? (
        <ul className="exports-list" aria-label={t('exports.title')} data-testid="exports-list">
          {items.map((job) => {
            const percent = job.progress != null ? Math.round(job.progress * 100) : null;
            return (
              <li key={job.id} className="card exports-list__item" data-testid="export-row" data-status={job.status}>
                <div className="exports-list__main">
                  <strong>{t(`exports.kinds.${job.kind}`)}</strong>
                  <span className="muted"> · {t(`exports.formats.${job.format}`)} · {formatDateTime(job.created_at, i18n.language)}</span>
                </div>
                <div className="exports-list__state" role="status" aria-live="polite">
                  <span className={`pill pill--${job.status}`}>{t(`exports.status.${job.status}`)}</span>
                  {isUnfinished(job) && percent !== null ? (
                    <progress max={100} value={percent} aria-label={t('exports.progress')}>
                      {percent}%
                    </progress>
                  ) : null}
                  {job.status === 'done' || isUnfinished(job) ? (
                    <span className="muted">
                      {t('exports.rows', { count: job.rows_written, total: job.rows_total ?? '…' })} {sizeOf(job.size_bytes)}
                    </span>
                  ) : null}
                  {job.masked ? <span className="muted">{t('exports.masked')}</span> : null}
                  {job.status === 'failed' && job.error ? <span className="cell-error">{job.error}</span> : null}
                  {job.status === 'done' && job.expires_at ? (
                    <span className="muted">{t('exports.expires', { date: formatDateTime(job.expires_at, i18n.language) })}</span>
                  ) : null}
                </div>
                {job.status === 'done' ? (
                  <button type="button" className="btn btn--sm" onClick={() => download(job)} data-testid="export-download" aria-label={t('exports.downloadFile', { name: job.file_name })}>
                    {t('exports.downloadShort')}
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
    </section>
  );
}
