import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { useNoResponseNeeded } from '../api/no-response-needed';
import { useResponseNeeded } from '../api/response-needed';
import type { Message } from '../api/get-conversation';
import { DeliveryStatus } from './delivery-status';
import { EmailBodyFrame } from './email-body-frame';

interface MessageItemProps {
  message: Message;
  conversationSubject: string;
  buyerName: string;
  authorName: string | null;
  awaitingReply: boolean;
}

export function MessageItem({ message: m, conversationSubject, buyerName, authorName, awaitingReply }: MessageItemProps) {
  const { t, i18n } = useTranslation();
  const noResponse = useNoResponseNeeded(m.conversation_id);
  const responseNeeded = useResponseNeeded(m.conversation_id);
  const outbound = m.direction === 'outbound';
  const author =
    m.author_kind === 'buyer'
      ? buyerName
      : m.author_kind === 'system'
        ? t('thread.system')
        : m.author_kind === 'auto'
          ? t('thread.autoReply')
          : (authorName ?? t('thread.agent'));
  const canMarkNoResponse = !outbound && m.author_kind === 'buyer' && awaitingReply && !m.no_response_needed;

  return (
    <article
      className={`msg msg--${outbound ? 'out' : 'in'} msg--${m.author_kind}`}
      data-testid="message"
      data-direction={m.direction}
      data-author={m.author_kind}
      data-message-id={m.id}
    >
      <header className="msg__head">
        <span className="msg__author">{author}</span>
        {m.author_kind === 'auto' ? <span className="tag tag--muted">{t('thread.autoTag')}</span> : null}
        {m.template_id ? <span className="tag tag--muted">{t('thread.fromTemplate')}</span> : null}
        <time className="msg__time" dateTime={m.sent_at}>
          {formatDateTime(m.sent_at, i18n.language)}
        </time>
      </header>
      {m.subject && m.subject !== conversationSubject ? <div className="msg__subject">{m.subject}</div> : null}
      {m.body_html ? <EmailBodyFrame html={m.body_html} title={t('thread.emailBody', { name: author })} /> : <div className="msg__body">{m.body}</div>}
      {m.attachments.length > 0 ? <div className="msg__attachments">{t('thread.attachments', { count: m.attachments.length })}</div> : null}
      <footer className="msg__foot">
        {outbound ? <DeliveryStatus message={m} /> : null}
        {m.no_response_needed ? (
          <span className="tag tag--muted" data-testid="no-response-tag">
            {t('thread.noResponseNeeded')}
          </span>
        ) : null}
        {m.no_response_needed && m.no_response_reason ? (
          <span className="msg__reason">{t('thread.noResponseAutomatic', { reason: m.no_response_reason })}</span>
        ) : null}
        {m.no_response_needed && !outbound && m.author_kind === 'buyer' ? (
          <button
            type="button"
            className="btn btn--link btn--sm"
            disabled={responseNeeded.isPending}
            onClick={() => responseNeeded.mutate(m.id)}
            title={t('thread.undoNoResponseHint')}
          >
            {t('thread.undoNoResponse')}
          </button>
        ) : null}
        {canMarkNoResponse ? (
          <button
            type="button"
            className="btn btn--link btn--sm"
            disabled={noResponse.isPending}
            onClick={() => noResponse.mutate(m.id)}
            title={t('thread.noResponseHint')}
          >
            {t('thread.markNoResponse')}
          </button>
        ) : null}
      </footer>
      {noResponse.error ? <ErrorNotice error={noResponse.error} /> : null}
      {responseNeeded.error ? <ErrorNotice error={responseNeeded.error} /> : null}
    </article>
  );
}
