import { useTranslation } from 'react-i18next';
import { ApiError } from '@/lib/problem';

export function Spinner({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="spinner" role="status">
      <span className="spinner__ring" aria-hidden />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

export function EmptyState({ title, hint }: { title: string; hint?: string }) {
  return (
    <div className="empty">
      <div className="empty__title">{title}</div>
      {hint ? <div className="empty__hint">{hint}</div> : null}
    </div>
  );
}

/** The API's own explanation (problem+json `detail` and field reasons), or a generic message. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const detail = error instanceof ApiError ? error.message : t('common.networkError');
  const fields = error instanceof ApiError ? error.fieldErrors : [];
  return (
    <div className="notice notice--error" role="alert">
      <div>{detail}</div>
      {fields.length > 0 ? (
        <ul>
          {fields.map((f) => (
            <li key={`${f.field}:${f.reason}`}>
              <code>{f.field}</code> {f.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * A part of the page whose data could not be loaded: says which part, in the agent's language, with
 * the API's explanation and a retry. Never an empty list or a missing control, which would look like
 * "nothing there" or "no such feature" when the backend is failing.
 */
export function LoadFailed({ what, error, onRetry, testId }: { what: string; error: unknown; onRetry?: () => void; testId?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const detail = error instanceof ApiError ? error.message : t('common.networkError');
  return (
    <div className="notice notice--error" role="alert" data-testid={testId ?? 'load-failed'}>
      <div>
        <strong>{t('common.loadFailed', { what })}</strong> {detail}
      </div>
      {onRetry ? (
        <button type="button" className="btn btn--link btn--sm" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}
