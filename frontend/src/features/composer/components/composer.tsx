import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { components } from '@/api/schema';
import { ErrorNotice } from '@/components/feedback';
import type { AttachmentRead } from '@/hooks/use-attachments';
import { useChannelNames, useMe } from '@/hooks/use-directory';
import { useTranslationPreference } from '@/hooks/use-translation-preference';
import { ApiError } from '@/lib/problem';
import { useAssignOnReply } from '../api/preferences';
import { useSendReply } from '../api/send-reply';
import { useRecordSuggestionUse, type Suggestion } from '../api/suggestions';
import { useTranslateDraft, useTranslationAvailability } from '../api/translate-draft';
import { useComplianceLint } from '../hooks/use-compliance-lint';
import { useDraft } from '../hooks/use-draft';
import { useHoldDraftLock } from '../hooks/use-hold-draft-lock';
import { useTypingSignal } from '../hooks/use-typing-signal';
import { arrivedSince, collisionOf, newestMessageId } from '../lib/collision';
import { AttachButton } from './attach-button';
import { CollisionDialog } from './collision-dialog';
import { HighlightedTextarea } from './highlighted-textarea';
import { SuggestionPanel } from './suggestion-panel';
import { TemplatePicker } from './template-picker';
import { ViolationList } from './violation-list';
import { enqueueReply } from '../lib/offline-queue';
import { QueuedReplies } from './queued-replies';

type Conversation = components['schemas']['ConversationDetail'];

// Amazon, eBay and TikTok refuse longer messages; the linter says so too, the counter warns earlier.
const LENGTH_LIMITS: Record<string, number> = { amazon: 2000, ebay: 2000, tiktok: 2000 };

const newKey = () => (globalThis.crypto?.randomUUID ? globalThis.crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

/** The reply box: template picker, live compliance lint, Ctrl+Enter to send. */
export function Composer({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const [text, setText] = useDraft(conversation.id);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [attachments, setAttachments] = useState<AttachmentRead[]>([]);
  // The article inserted from the suggestions, while its text is in the composer: sending the reply
  // counts as the article's acceptance (templates count through `template_id` on the reply).
  const [insertedArticle, setInsertedArticle] = useState<string | null>(null);
  const recordUse = useRecordSuggestionUse(conversation.id);
  const idempotencyKey = useRef(newKey());
  const inputRef = useRef<HTMLTextAreaElement>(null);
  // "Write in Chinese, send in English": the agent writes in their language, the translation (which
  // they may edit) is what is sent, so it is the translation the linter checks.
  const [translateMode, setTranslateMode] = useState(false);
  const [translation, setTranslation] = useState('');
  const translate = useTranslateDraft(conversation.id);
  // Automatic translation of incoming messages stops with the budget: the composer says so too.
  const autoTranslate = useTranslationPreference().data?.auto_translate ?? false;
  const availability = useTranslationAvailability(translateMode || autoTranslate);
  const sentText = translateMode ? translation : text;
  const lint = useComplianceLint(conversation.id, sentText);
  const send = useSendReply(conversation.id);
  const me = useMe();
  const assignOnReply = useAssignOnReply();
  const channelNames = useChannelNames();
  const typingSignal = useTypingSignal(conversation.id);
  const draftLock = useHoldDraftLock(conversation.id);
  // The newest message the agent had seen when the draft began: a reply that arrived since is shown
  // to them before theirs goes out (the server answers 409 and the collision prompt opens).
  const basedOn = useRef<string | null>(null);
  const lastResolve = useRef(false);
  const messagesRef = useRef(conversation.messages);
  messagesRef.current = conversation.messages;
  useEffect(() => {
    // A draft restored from an earlier visit answers what is on screen now.
    basedOn.current = text.trim() ? newestMessageId(messagesRef.current) : null;
    // Only when the conversation changes (the text and thread are read as they are then): later
    // keystrokes and arrivals must not move what the draft is based on.
  }, [conversation.id]);

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
  const reported = collisionOf(send.error);
  const arrived = reported ? arrivedSince(conversation.messages, basedOn.current, me.data?.user?.id, reported) : [];
  const blocked = lint.current && lint.blocking;
  const limit = LENGTH_LIMITS[conversation.marketplace];
  const length = [...sentText].length;

  const changeTranslation = (next: string) => {
    setTranslation(next);
    typingSignal.typed(next || text);
    draftLock.touch(next || text);
    idempotencyKey.current = newKey();
    if (send.isError) send.reset();
  };

  const requestTranslation = () => {
    const source = text.trim();
    if (!source || translate.isPending) return;
    translate.mutate(source, {
      onSuccess: (result) => changeTranslation(['translated', 'cached', 'same_language'].includes(result.status) ? result.text : ''),
    });
  };

  const changeText = (next: string) => {
    if (!text.trim() && next.trim()) basedOn.current = newestMessageId(conversation.messages);
    setText(next);
    typingSignal.typed(next);
    draftLock.touch(next);
    // The translation was of the previous text: it must be made again before sending.
    if (translateMode && translation) setTranslation('');
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

  const submit = (resolve = false, confirm = false) => {
    const body = sentText.trim();
    if (!body || send.isPending || blocked) return;
    const source = translate.data;
    const original = translateMode ? { text: text.trim(), language: source?.source_language ?? 'zh-CN' } : null;
    lastResolve.current = resolve;
    // Confirming is a new request (the refused one must not be replayed from the idempotency cache).
    if (confirm) idempotencyKey.current = newKey();
    const userId = me.data?.user?.id ?? null;
    // Offline: the reply waits in this browser, with this key, and goes out when the network is back.
    const queue = () => {
      if (!userId) return false;
      enqueueReply(userId, { id: idempotencyKey.current, conversationId: conversation.id, body, templateId, original, resolve });
      typingSignal.stop();
      basedOn.current = null;
      setText('');
      setTranslation('');
      translate.reset();
      setTemplateId(null);
      setInsertedArticle(null);
      idempotencyKey.current = newKey();
      return true;
    };
    if (typeof navigator !== 'undefined' && !navigator.onLine && queue()) return;
    send.mutate(
      {
        body,
        templateId,
        idempotencyKey: idempotencyKey.current,
        original,
        resolve,
        basedOnMessageId: basedOn.current,
        confirm,
        attachmentIds: attachments.map((a) => a.id),
      },
      {
        onSuccess: () => {
          typingSignal.stop();
          draftLock.sent();
          basedOn.current = null;
          if (insertedArticle) recordUse.mutate({ kind: 'article', id: insertedArticle, action: 'sent' });
          setText('');
          setTranslation('');
          translate.reset();
          setTemplateId(null);
          setInsertedArticle(null);
          setAttachments([]);
          idempotencyKey.current = newKey();
        },
        onError: (error) => {
          // No answer at all (the network went away mid-request): queue it under the same key, so
          // if the server did receive it the retry is replayed, not sent twice.
          if (!(error instanceof ApiError) && queue()) send.reset();
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
      <QueuedReplies userId={me.data?.user?.id ?? null} conversationId={conversation.id} />
      <SuggestionPanel conversationId={conversation.id} lastMessageAt={conversation.last_message_at} onInsert={insertSuggestion} />
      {conversation.spam_reason ? <div className="notice notice--info">{t('composer.replyUnflagsSpam')}</div> : null}
      <HighlightedTextarea
        ref={inputRef}
        value={text}
        onChange={changeText}
        onKeyDown={onKeyDown}
        violations={!translateMode && lint.current ? lint.violations : []}
        placeholder={translateMode ? t('composer.translate.placeholder') : t('composer.placeholder')}
        label={translateMode ? t('composer.translate.originalLabel') : t('composer.label')}
      />
      <div className="composer__translate">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="translate-toggle"
            checked={translateMode}
            onChange={(e) => {
              setTranslateMode(e.target.checked);
              setTranslation('');
              translate.reset();
            }}
          />
          {t('composer.translate.toggle')}
        </label>
        {translateMode ? (
          <button type="button" className="btn btn--sm" data-testid="translate-draft" disabled={!text.trim() || translate.isPending} onClick={requestTranslation}>
            {translate.isPending ? t('composer.translate.translating') : t('composer.translate.button')}
          </button>
        ) : null}
      </div>
      {availability.data &&
      ((translateMode && !availability.data.configured) || ((translateMode || autoTranslate) && availability.data.configured && availability.data.budget_exhausted)) &&
      !translate.data ? (
        <div className="notice notice--warn" role="status" data-testid="translate-unavailable">
          {availability.data.configured ? t('translationSettings.exhausted') : t('translationSettings.notConfigured')}
        </div>
      ) : null}
      {translateMode && translate.data?.notice ? (
        <div className="notice notice--warn" role="status" data-testid="translate-notice">
          {translate.data.notice}
        </div>
      ) : null}
      {translate.error ? <ErrorNotice error={translate.error} /> : null}
      {translateMode && (translation || translate.isSuccess) ? (
        <HighlightedTextarea
          value={translation}
          onChange={changeTranslation}
          onKeyDown={onKeyDown}
          violations={lint.current ? lint.violations : []}
          placeholder={t('composer.translate.translationPlaceholder')}
          label={t('composer.translate.translationLabel', { language: translate.data?.target_language ?? '' })}
          testId="translation-input"
        />
      ) : null}
      <AttachButton
        attachments={attachments}
        disabled={send.isPending}
        onChange={(next) => {
          setAttachments(next);
          // Other files make another request: it must not replay the previous one.
          idempotencyKey.current = newKey();
          if (send.isError) send.reset();
        }}
      />
      <ViolationList violations={refused.length > 0 ? refused : lint.violations} text={refused.length > 0 ? sentText : lint.checkedText} />
      {reported ? (
        <CollisionDialog
          arrived={arrived}
          buyerName={conversation.customer?.display_name ?? t('inbox.unknownBuyer')}
          pending={send.isPending}
          onSendAnyway={() => submit(lastResolve.current, true)}
          onEdit={() => {
            // They have read what arrived: their next send answers it.
            basedOn.current = conversation.messages.some((m) => m.id === reported.id) ? newestMessageId(conversation.messages) : reported.id;
            send.reset();
            idempotencyKey.current = newKey();
            inputRef.current?.focus();
          }}
        />
      ) : null}
      {send.error && refused.length === 0 && !reported ? <ErrorNotice error={send.error} /> : null}
      {assignOnReply.error ? <ErrorNotice error={assignOnReply.error} /> : null}
      <div className="composer__footer">
        <span className={`composer__lint${blocked ? ' is-blocked' : ''}`} data-testid="lint-status">
          {sentText.trim() === ''
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
        {me.data?.user ? (
          <label className="checkbox" title={t('composer.assignOnReplyHint')}>
            <input
              type="checkbox"
              data-testid="assign-on-reply"
              checked={me.data.user.assign_on_reply}
              disabled={assignOnReply.isPending}
              onChange={(e) => assignOnReply.mutate(e.target.checked)}
            />
            {t('composer.assignOnReply')}
          </label>
        ) : null}
        {conversation.status !== 'resolved' ? (
          <button
            type="button"
            className="btn"
            data-testid="send-resolve"
            disabled={!sentText.trim() || send.isPending || blocked}
            title={blocked ? t('composer.lintBlocked') : t('composer.sendResolveHint')}
            onClick={() => submit(true)}
          >
            {t('composer.sendResolve')}
          </button>
        ) : null}
        <button
          type="button"
          className="btn btn--primary"
          data-testid="send-reply"
          disabled={!sentText.trim() || send.isPending || blocked}
          title={blocked ? t('composer.lintBlocked') : t('composer.sendHint')}
          onClick={() => submit()}
        >
          {send.isPending ? t('composer.sending') : t('composer.send')}
          <kbd className="btn__kbd">Ctrl+Enter</kbd>
        </button>
      </div>
    </div>
  );
}
