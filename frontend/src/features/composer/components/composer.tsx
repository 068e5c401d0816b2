import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '@/api/schema';
import { ErrorNotice } from '@/components/feedback';
import { useChannelNames, useMe } from '@/hooks/use-directory';
import { ApiError } from '@/lib/problem';
import { useSendReply } from '../api/send-reply';
import { useRecordSuggestionUse, type Suggestion } from '../api/suggestions';
import { useComplianceLint } from '../hooks/use-compliance-lint';
import { useDraft } from '../hooks/use-draft';
import { HighlightedTextarea } from './highlighted-textarea';
import { SuggestionPanel } from './suggestion-panel';
import { TemplatePicker } from './template-picker';
import { ViolationList } from './violation-list';

type Conversation = components['schemas']['ConversationDetail'];

// Amazon, eBay and TikTok refuse longer messages; the linter says so too, the counter warns earlier.
const LENGTH_LIMITS: Record<string, number> = { amazon: 2000, ebay: 2000, tiktok: 2000 };

const newKey = () => (globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

/** The reply box: template picker, live compliance lint, Ctrl+Enter to send. */
export function Composer({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const [text, setText] = useDraft(conversation.id);
  const [templateId, setTemplateId] = useState<string | null>(null);
  // The article inserted from the suggestions, while its text is in the composer: sending the reply
  // counts as the article's acceptance (templates count through `template_id` on the reply).
  const [insertedArticle, setInsertedArticle] = useState<string | null>(null);
  const recordUse = useRecordSuggestionUse(conversation.id);
  const idempotencyKey = useRef(newKey());
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const lint = useComplianceLint(conversation.id, text);
  const send = useSendReply(conversation.id);
  const me = useMe();
  const channelNames = useChannelNames();

  const context = useMemo(
    () => ({
      order_id: conversation.order_id,
      customer_name: conversation.customer?.display_name,
      store_name: channelNames.get(conversation.channel_id),
      agent_name: me.data?.user?.name,
      tracking_url: conversation.order?.shipments[0]?.tracking_url,
      tracking_number: conversation.order?.shipments[0]?.tracking_number,
      carrier: conversation.order?.shipments[0]?.carrier,
    }),
    [conversation, channelNames, me.data],
  );

  const refused = send.error instanceof ApiError ? send.error.violations : [];
  const blocked = lint.current && lint.blocking;
  const limit = LENGTH_LIMITS[conversation.marketplace];
  const length = [...text].length;

  const changeText = (next: string) => {
    setText(next);
    // A different text is a different request: it must not replay the previous one.
    idempotencyKey.current = newKey();
    if (send.isError) send.reset();
    if (!next) {
      setTemplateId(null);
      setInsertedArticle(null);
    }
  };

  const insertSuggestion = (s: Suggestion) => {
    changeText(s.text);
    setTemplateId(s.kind === 'template' ? s.id : null);
    setInsertedArticle(s.kind === 'article' ? s.id : null);
    recordUse.mutate({ kind: s.kind, id: s.id, action: 'inserted' });
    inputRef.current?.focus();
  };

  const submit = () => {
    const body = text.trim();
    if (!body || send.isPending || blocked) return;
    send.mutate(
      { body, templateId, idempotencyKey: idempotencyKey.current },
      {
        onSuccess: () => {
          if (insertedArticle) recordUse.mutate({ kind: 'article', id: insertedArticle, action: 'sent' });
          setText('');
          setTemplateId(null);
          setInsertedArticle(null);
          idempotencyKey.current = newKey();
        },
      },
    );
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <div className="composer" data-testid="composer">
      <div className="composer__toolbar">
        <span className="composer__to">{t('composer.replyTo', { name: conversation.customer?.display_name ?? t('inbox.unknownBuyer') })}</span>
        <TemplatePicker
          conversationId={conversation.id}
          context={context}
          onInsert={(body, id) => {
            changeText(body);
            setTemplateId(id);
            setInsertedArticle(null);
            inputRef.current?.focus();
          }}
        />
      </div>
      <SuggestionPanel conversationId={conversation.id} lastMessageAt={conversation.last_message_at} onInsert={insertSuggestion} />
      {conversation.spam_reason ? <div className="notice notice--info">{t('composer.replyUnflagsSpam')}</div> : null}
      <HighlightedTextarea
        ref={inputRef}
        value={text}
        onChange={changeText}
        onKeyDown={onKeyDown}
        violations={lint.current ? lint.violations : []}
        placeholder={t('composer.placeholder')}
        label={t('composer.label')}
      />
      <ViolationList violations={refused.length > 0 ? refused : lint.violations} text={refused.length > 0 ? text : lint.checkedText} />
      {send.error && refused.length === 0 ? <ErrorNotice error={send.error} /> : null}
      <div className="composer__footer">
        <span className={`composer__lint${blocked ? ' is-blocked' : ''}`} data-testid="lint-status">
          {text.trim() === ''
            ? ''
            : lint.checking
              ? t('composer.checking')
              : lint.unavailable
                ? t('composer.lintUnavailable')
                : lint.violations.length === 0
                  ? t('composer.lintClean')
                  : blocked
                    ? t('composer.lintBlocked')
                    : t('composer.lintWarnings', { count: lint.violations.length })}
        </span>
        <span className="row__spacer" />
        {limit ? <span className={`composer__count${length > limit ? ' is-over' : ''}`}>{t('composer.count', { count: length, limit })}</span> : null}
        <button
          type="button"
          className="btn btn--primary"
          data-testid="send-reply"
          disabled={!text.trim() || send.isPending || blocked}
          title={blocked ? t('composer.lintBlocked') : t('composer.sendHint')}
          onClick={submit}
        >
          {send.isPending ? t('composer.sending') : t('composer.send')}
          <kbd className="btn__kbd">Ctrl+Enter</kbd>
        </button>
      </div>
    </div>
  );
}
