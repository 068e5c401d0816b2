import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AttachmentList } from '@/components/attachment-list';
import { ErrorNotice } from '@/components/feedback';
import { sameLanguage, useTranslationPreference } from '@/hooks/use-translation-preference';
import { formatDateTime } from '@/lib/format';
import { useNoResponseNeeded } from '../api/no-response-needed';
import { useMessageTranslation } from '../api/translation';
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
  // Buyer messages in another language than the agent reads: translated on demand, or on opening
  // when the agent asked for automatic translation; the original is always one click away.
  const preference = useTranslationPreference();
  const reading = preference.data?.language ?? (i18n.language.startsWith('zh') ? 'zh-CN' : 'en');
  const translatable = !outbound && m.author_kind === 'buyer' && !m.body_html && !sameLanguage(m.language, reading);
  const [choice, setChoice] = useState<boolean | null>(null);
  const translating = translatable && (choice ?? preference.data?.auto_translate ?? false);
  const translation = useMessageTranslation(m.id, reading, translating);
  const translated = translating && translation.data && ['translated', 'cached'].includes(translation.data.status);
  const [showOriginal, setShowOriginal] = useState(false);

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
        <span className="tag tag--muted" data-testid="message-language" title={t('thread.detectedLanguage')}>
          {t(`languages.${m.language}`, { defaultValue: m.language })}
        </span>
        {translatable ? (
          <button
            type="button"
            className="btn btn--link btn--sm"
            data-testid="translate-toggle-message"
            aria-pressed={translating}
            onClick={() => setChoice(!translating)}
          >
            {translating ? t('thread.showOriginal') : t('thread.translate')}
          </button>
        ) : null}
        <time className="msg__time" dateTime={m.sent_at}>
          {formatDateTime(m.sent_at, i18n.language)}
        </time>
      </header>
      {m.subject && m.subject !== conversationSubject ? <div className="msg__subject">{m.subject}</div> : null}
      {m.body_html ? (
        <EmailBodyFrame html={m.body_html} title={t('thread.emailBody', { name: author })} />
      ) : translated && translation.data ? (
        <>
          <div className="msg__body" data-testid="message-translation" lang={reading}>
            {translation.data.text}
          </div>
          <div className="msg__translated-note">{t('thread.translatedFrom', { language: t(`languages.${m.language}`, { defaultValue: m.language }) })}</div>
        </>
      ) : (
        <div className="msg__body" data-testid="message-body">{m.body}</div>
      )}
      {translating && translation.isFetching && !translation.data ? <div className="msg__translated-note">{t('thread.translating')}</div> : null}
      {translating && translation.data?.notice ? (
        <div className="notice notice--warn" role="status" data-testid="translation-notice">
          {translation.data.notice}
        </div>
      ) : null}
      {outbound && m.original_text ? (
        <div className="msg__original">
          <button type="button" className="btn btn--link btn--sm" data-testid="show-original-text" onClick={() => setShowOriginal(!showOriginal)}>
            {showOriginal ? t('thread.hideWritten') : t('thread.showWritten')}
          </button>
          {showOriginal ? <div className="msg__body msg__body--original">{m.original_text}</div> : null}
        </div>
      ) : null}
      <AttachmentList attachments={m.attachments} />
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
