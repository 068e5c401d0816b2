import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { downloadExport, isUnfinished, useCreateExport, useExportJob, type ExportCreate, type ExportFormat } from '@/hooks/use-exports';

interface ExportButtonProps {
  /** What to export (kind and filters); the format is chosen here. */
  request: Omit<ExportCreate, 'format'>;
  testId?: string;
}

/** "Export" for the list it sits on, with its current filters: a background job, its progress, then the download. */
export function ExportButton({ request, testId = 'export' }: ExportButtonProps) {
  const { t } = useTranslation();
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [jobId, setJobId] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const create = useCreateExport();
  const job = useExportJob(jobId);
  const current = job.data;
  const start = () => {
    setDownloadError(null);
    create.mutate({ ...request, format } as ExportCreate, { onSuccess: (created) => setJobId(created.id) });
  };
  const percent = current?.progress != null ? Math.round(current.progress * 100) : null;
  return (
    <div className="export-button" data-testid={testId}>
      <div className="export-button__row">
        <select
          className="input input--sm"
          aria-label={t('exports.format')}
          value={format}
          onChange={(e) => setFormat(e.target.value as ExportFormat)}
          data-testid={`${testId}-format`}
        >
          <option value="csv">{t('exports.formats.csv')}</option>
          <option value="jsonl">{t('exports.formats.jsonl')}</option>
        </select>
        <button
          type="button"
          className="btn btn--sm"
          onClick={start}
          disabled={create.isPending || isUnfinished(current)}
          data-testid={`${testId}-start`}
        >
          {t('exports.export')}
        </button>
      </div>
      {current ? (
        <div className="export-button__status" role="status" aria-live="polite" data-testid={`${testId}-status`} data-status={current.status}>
          {isUnfinished(current) ? (
            <>
              <span>{t(`exports.status.${current.status}`)}</span>
              {percent !== null ? (
                <progress max={100} value={percent} aria-label={t('exports.progress')}>
                  {percent}%
                </progress>
              ) : null}
            </>
          ) : current.status === 'done' ? (
            <button
              type="button"
              className="btn btn--primary btn--sm"
              onClick={() => void downloadExport(current).catch(setDownloadError)}
              data-testid={`${testId}-download`}
            >
              {t('exports.download', { count: current.rows_written })}
            </button>
          ) : (
            <span className="cell-error">{t(`exports.status.${current.status}`)}</span>
          )}
        </div>
      ) : null}
      {create.error ? <ErrorNotice error={create.error} /> : null}
      {downloadError ? <ErrorNotice error={downloadError} /> : null}
    </div>
  );
}
