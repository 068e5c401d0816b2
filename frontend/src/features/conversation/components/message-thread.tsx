import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useUserNames } from '@/hooks/use-directory';
import type { ConversationDetail } from '../api/get-conversation';
import { MessageItem } from './message-item';

/** The conversation, oldest first, kept scrolled to the newest message as messages arrive. */
export function MessageThread({ conversation }: { conversation: ConversationDetail }) {
  const { t } = useTranslation();
  const userNames = useUserNames();
  const endRef = useRef<HTMLDivElement>(null);
  const count = conversation.messages.length;
  const buyerName = conversation.customer?.display_name || t('inbox.unknownBuyer');

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [conversation.id, count]);

  return (
    <div className="thread" data-testid="thread">
      {conversation.messages_truncated ? <div className="thread__truncated">{t('thread.truncated')}</div> : null}
      {conversation.messages.map((m) => (
        <MessageItem
          key={m.id}
          message={m}
          conversationSubject={conversation.subject}
          buyerName={buyerName}
          authorName={m.author_user_id ? (userNames.get(m.author_user_id) ?? null) : null}
          awaitingReply={conversation.waiting_since !== null}
        />
      ))}
      <div ref={endRef} />
    </div>
  );
}
