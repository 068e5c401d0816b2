import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { useRetryMessage } from '../api/retry-message';
import type { Message } from '../api/get-conversation';

/**
 * queued / sending / accepted / sent / failed on every reply, with a retry for failed ones.
 * `accepted` is a mail relay's SMTP acceptance: delivered only if no bounce comes back by
 * `confirm_after`; a bounce shows as failed with the relay's reason, marked as returned.
 */
export function DeliveryStatus({ message }: { message: Message }) {
  const { t, i18n } = useTranslation();
  const retry = useRetryMessage();
  const status = message.delivery_status;
  if (!status) return null;
  const bounced = status === 'failed' && Boolean(message.bounced_at);
  return (
    <div className="delivery" data-testid="delivery-status" data-status={status}>
      <span className={`delivery__chip delivery__chip--${status}`}>{t(`delivery.${status}`)}</span>
      {bounced ? (
        <span className="delivery__chip delivery__chip--bounced" data-testid="delivery-bounced" title={t('delivery.bouncedHint')}>
          {t('delivery.bounced')}
        </span>
      ) : null}
      {status === 'failed' ? <FailureExplained message={message} /> : null}
      {status === 'accepted' && message.confirm_after ? (
        <span className="delivery__hint" data-testid="delivery-awaiting">
          {t('delivery.acceptedHint', { time: formatDateTime(message.confirm_after, i18n.language) })}
        </span>
      ) : null}
      {status === 'queued' && message.delivery_error && message.delivery_attempts > 0 ? (
        <span className="delivery__error delivery__error--retrying" data-testid="delivery-retrying">
          {t('delivery.willRetry', { attempt: message.delivery_attempts, error: message.delivery_error })}
        </span>
      ) : null}
      {status === 'failed' ? (
        <button
          type="button"
          className="btn btn--sm btn--danger-ghost"
          disabled={retry.isPending}
          onClick={() => retry.mutate(message.id)}
        >
          {retry.isPending ? t('delivery.retrying') : t('delivery.retry')}
        </button>
      ) : null}
      {retry.error ? <ErrorNotice error={retry.error} /> : null}
    </div>
  );
}

/**
 * Why the reply failed and what the agent can do, in words (the server maps each marketplace's
 * error to a reason and an action, api/channel/failures.py); the marketplace's own text is one
 * click away, for support tickets and for the cases the mapping does not know.
 */
function FailureExplained({ message }: { message: Message }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const detailId = useId();
  const failure = message.failure;
  return (
    <div className="delivery__explained" data-testid="delivery-failure" data-reason={failure?.reason ?? ''}>
      {failure ? (
        <>
          <span className="delivery__error" data-testid="failure-reason">
            {t(`failure.reason.${failure.reason}`)}
          </span>
          <span className="delivery__hint" data-testid="failure-action">
            {t(`failure.action.${failure.action}`)} {failure.retry_helps ? t('failure.retryHelps') : t('failure.retryWontHelp')}
          </span>
        </>
      ) : null}
      {message.delivery_error ? (
        <>
          <button type="button" className="btn btn--link btn--sm" aria-expanded={open} aria-controls={detailId} onClick={() => setOpen((v) => !v)}>
            {open ? t('failure.hideDetail') : t('failure.showDetail')}
          </button>
          {open ? (
            <code id={detailId} className="delivery__raw" data-testid="failure-detail" aria-label={t('failure.detail')}>
              {message.delivery_error}
            </code>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
