import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate, useParams } from 'react-router';
import { EmptyState } from '@/components/feedback';
import { CasePanel } from '@/features/cases';
import { Composer } from '@/features/composer';
import { ConversationWorkspace } from '@/features/conversation';
import { InboxPanel, ViewNav } from '@/features/inbox';
import { MacroPicker } from '@/features/macros';
import { CsatDecision } from '@/features/insight';
import { useMe } from '@/hooks/use-directory';

/** Views on the left, the list in the middle, the open conversation on the right. */
export function InboxRoute() {
  const { t } = useTranslation();
  const { conversationId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const scopes = useMe().data?.scopes;
  const canEditCases = scopes?.includes('cases:write') ?? false;
  const canWrite = scopes?.includes('conversations:write') ?? false;

  // Opening a conversation keeps the current view, filters and search in the URL.
  const open = useCallback((id: string) => navigate({ pathname: `/inbox/${id}`, search: location.search }), [navigate, location.search]);
  const close = useCallback(() => navigate({ pathname: '/inbox', search: location.search }), [navigate, location.search]);

  return (
    // On a phone one column shows at a time: the list, or the open conversation (CSS, .inbox--open).
    <div className={`inbox${conversationId ? ' inbox--open' : ''}`}>
      <ViewNav />
      <InboxPanel selectedId={conversationId ?? null} onOpen={open} />
      <section className="inbox__workspace">
        {conversationId ? (
          <ConversationWorkspace
            key={conversationId}
            conversationId={conversationId}
            onClose={close}
            renderComposer={(conversation) => (
              <>
                {canWrite ? <MacroPicker conversationId={conversation.id} /> : null}
                <Composer conversation={conversation} />
              </>
            )}
            renderSide={(conversation) => (
              <>
                <CasePanel conversationId={conversation.id} currency={conversation.order?.currency ?? null} canEdit={canEditCases} />
                <CsatDecision conversationId={conversation.id} status={conversation.status} />
              </>
            )}
          />
        ) : (
          <EmptyState title={t('workspace.pick')} hint={t('workspace.pickHint')} />
        )}
      </section>
    </div>
  );
}
