import { useTranslation } from 'react-i18next';
import { useBulkJob } from '../api/bulk';

const FAILURES_SHOWN = 5;

/** Live progress of a bulk job (pushed over the socket), then its outcome with each failure's reason. */
export function BulkProgress({ jobId, onDismiss }: { jobId: string; onDismiss: () => void }) {
  const { t } = useTranslation();
  const { data: job } = useBulkJob(jobId);
  if (!job) return null;
  const processed = job.done + job.failed;
  const percent = job.total ? Math.round((processed / job.total) * 100) : 100;
  const finished = job.status === 'completed';
  return (
    <div className="bulk-progress" role="status" data-testid="bulk-progress" data-status={job.status}>
      <div className="bulk-bar__line">
        <strong>{finished ? t('bulk.finished') : t('bulk.running')}</strong>
        <span data-testid="bulk-progress-count">{t('bulk.progress', { done: processed, total: job.total })}</span>
        {job.failed > 0 ? <span className="tag tag--danger">{t('bulk.failedCount', { count: job.failed })}</span> : null}
        {finished ? (
          <button type="button" className="btn btn--ghost btn--sm" onClick={onDismiss}>
            {t('common.dismiss')}
          </button>
        ) : null}
      </div>
      <div className="progress" aria-hidden="true">
        <div className="progress__bar" style={{ width: `${percent}%` }} />
      </div>
      {finished && job.failures.length > 0 ? (
        <ul className="bulk-progress__failures" data-testid="bulk-failures">
          {job.failures.slice(0, FAILURES_SHOWN).map((f) => (
            <li key={f.conversation_id}>
              <span className="mono">{f.conversation_id.slice(0, 8)}</span> {f.reason}
            </li>
          ))}
          {job.failures.length > FAILURES_SHOWN || job.failures_truncated ? <li>{t('bulk.moreFailures', { count: job.failed - FAILURES_SHOWN })}</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
