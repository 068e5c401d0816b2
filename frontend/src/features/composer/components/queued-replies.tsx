import { useTranslation } from 'react-i18next';
import { discardReply } from '../lib/offline-queue';
import { useQueuedReplies } from '../hooks/use-offline-outbox';

/** Replies written offline for this conversation, at the end of the thread until they go out. */
export function QueuedReplies({ userId, conversationId }: { userId: string | null; conversationId: string }) {
  const { t } = useTranslation();
  const replies = useQueuedReplies(userId, conversationId);
  if (!userId || replies.length === 0) return null;
  return (
    <ul className="queued" aria-label={t('offline.queuedList')} data-testid="queued-replies">
      {replies.map((r) => (
        <li key={r.id} className={`queued__item queued__item--${r.state}`} data-testid="queued-reply" data-state={r.state}>
          <p className="queued__body">{r.body}</p>
          {r.state === 'failed' ? (
            <div className="queued__status" role="alert">
              <span>{t('offline.failed', { reason: r.error ?? '' })}</span>
              <button type="button" className="btn btn--sm" onClick={() => discardReply(userId, r.id)}>
                {t('offline.discard')}
              </button>
            </div>
          ) : (
            <span className="queued__status" role="status">
              {r.state === 'sending' ? t('offline.sending') : t('offline.queued')}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
