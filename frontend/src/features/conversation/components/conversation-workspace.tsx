import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice, Spinner } from '@/components/feedback';
import { isNotFound } from '@/lib/problem';
import { useConversation, type ConversationDetail } from '../api/get-conversation';
import { useEscapeToClose } from '../hooks/use-escape-to-close';
import { useMarkReadOnOpen } from '../hooks/use-mark-read-on-open';
import { ActionBar } from './action-bar';
import { ActivityLog } from './activity-log';
import { ClocksPanel } from './clocks-panel';
import { ConversationHeader } from './conversation-header';
import { CustomerPanel } from './customer-panel';
import { DraftLockBanner } from './draft-lock-banner';
import { MessageThread } from './message-thread';
import { NotesPanel } from './notes-panel';
import { OrderPanel } from './order-panel';
import { TypingIndicator } from './typing-indicator';

interface WorkspaceProps {
  conversationId: string;
  onClose: () => void;
  /** The reply box, supplied by the route so this feature does not import the composer feature. */
  renderComposer: (conversation: ConversationDetail) => ReactNode;
  /** Extra side panels (the after-sales cases), supplied by the route for the same reason. */
  renderSide?: (conversation: ConversationDetail) => ReactNode;
}

export function ConversationWorkspace({ conversationId, onClose, renderComposer, renderSide }: WorkspaceProps) {
  const { t } = useTranslation();
  const query = useConversation(conversationId);
  useMarkReadOnOpen(conversationId, query.data?.unread);
  useEscapeToClose(onClose);

  if (query.isPending) return <Spinner />;
  if (query.isError) {
    return isNotFound(query.error) ? <EmptyState title={t('workspace.notFound')} /> : <ErrorNotice error={query.error} />;
  }
  const c = query.data;
  return (
    <div className="workspace" data-testid="workspace" data-conversation-id={c.id}>
      <ConversationHeader conversation={c} onClose={onClose} />
      <ActionBar conversation={c} />
      <div className="workspace__body">
        <div className="workspace__main">
          <MessageThread conversation={c} />
          <TypingIndicator conversationId={c.id} />
          <DraftLockBanner conversationId={c.id} />
          {renderComposer(c)}
        </div>
        <aside className="workspace__side" aria-label={t('workspace.details')}>
          <ClocksPanel conversation={c} />
          {renderSide ? renderSide(c) : null}
          <OrderPanel conversation={c} />
          <CustomerPanel conversation={c} />
          <NotesPanel conversation={c} />
          <ActivityLog conversationId={c.id} />
        </aside>
      </div>
    </div>
  );
}
