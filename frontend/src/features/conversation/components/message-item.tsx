import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { formatDateTime } from '@/lib/format';
import { useNoResponseNeeded } from '../api/no-response-needed';
import type { Message } from '../api/get-conversation';
import { DeliveryStatus } from './delivery-status';
import { EmailBodyFrame } from './email-body-frame';
import { NoResponseDialog } from './no-response-dialog';

interface MessageItemProps {
  message: Message;
  conversationSubject: string;
  buyerName: string;
  authorName: string | null;
  awaitingReply: boolean;
}

export function MessageItem({ message: m, conversationSubject, buyerName, authorName, awaitingReply }: MessageItemProps) {
  const { t, i18n } = useTranslation();
  const { mark, undo } = useNoResponseNeeded(m.conversation_id);
  const [asking, setAsking] = useState(false);
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
            {m.no_response_reason ? ` · ${t(`noResponse.reason.${m.no_response_reason}`)}` : null}
          </span>
        ) : null}
        {m.no_response_needed && m.auto_no_response_reason ? (
          <span className="msg__reason">{t('thread.noResponseAutomatic', { reason: m.auto_no_response_reason })}</span>
        ) : null}
        {m.no_response_needed && m.author_kind === 'buyer' ? (
          <button type="button" className="btn btn--link btn--sm" data-testid="no-response-undo" disabled={undo.isPending} onClick={() => undo.mutate(m.id)}>
            {t('noResponse.undo')}
          </button>
        ) : null}
        {canMarkNoResponse && !asking ? (
          <button
            type="button"
            className="btn btn--link btn--sm"
            data-testid="no-response-open"
            aria-expanded={false}
            onClick={() => {
              mark.reset();
              setAsking(true);
            }}
            title={t('thread.noResponseHint')}
          >
            {t('thread.markNoResponse')}
          </button>
        ) : null}
      </footer>
      {canMarkNoResponse && asking ? (
        <NoResponseDialog
          containsQuestion={m.contains_question}
          pending={mark.isPending}
          error={mark.error}
          onCancel={() => setAsking(false)}
          onConfirm={(body) => mark.mutate({ messageId: m.id, body }, { onSuccess: () => setAsking(false) })}
        />
      ) : null}
      {undo.error ? <ErrorNotice error={undo.error} /> : null}
    </article>
  );
}
