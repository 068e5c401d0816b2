import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { showBrowserNotification } from '@/lib/browser-notifications';
import { pushToast } from '@/lib/toasts';
import type { EscalationNotice } from '../lib/event-handlers';

const KNOWN_KINDS = ['sla.due_soon', 'sla.overdue', 'sla.escalated', 'delivery.failed'];

/** Shows an escalation as an in-app toast and, when allowed, a browser notification. */
export function useEscalationNotices(currentUserId: string | null, openConversation: (id: string) => void) {
  const { t } = useTranslation();
  return useCallback(
    (notice: EscalationNotice) => {
      // The server addresses notifications to people; another agent's must not pop up here.
      if (notice.userId && currentUserId && notice.userId !== currentUserId) return;
      const known = KNOWN_KINDS.includes(notice.kind);
      const title = known ? t(`notify.kind.${notice.kind.replace('.', '_')}`) : notice.title || t('notify.generic');
      // The server's title is "Overdue: 111-395…": the translated kind replaces the English prefix
      // and the order id or subject after it stays as the detail.
      const body = known ? notice.title.split(': ').slice(1).join(': ') || notice.title : notice.body;
      const id = notice.id ?? `${notice.kind}:${notice.conversationId ?? ''}:${notice.title}`;
      const tone = notice.kind === 'sla.overdue' || notice.kind === 'delivery.failed' ? 'danger' : 'warn';
      pushToast({ id, title, body, conversationId: notice.conversationId, tone });
      showBrowserNotification({
        title,
        body,
        tag: id,
        onClick: () => {
          if (notice.conversationId) openConversation(notice.conversationId);
        },
      });
    },
    [t, currentUserId, openConversation],
  );
}
