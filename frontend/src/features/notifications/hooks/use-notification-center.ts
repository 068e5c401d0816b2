import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useLive } from '@/hooks/use-realtime-state';
import { showBrowserNotification } from '@/lib/browser-notifications';
import { ALERT_KINDS, describeNotice, type IncomingNotice } from '@/lib/notifications';
import { queryKeys } from '@/lib/query-keys';
import { pushToast } from '@/lib/toasts';
import { useUnreadNotifications } from '../api/notifications';

function pageHidden(): boolean {
  return typeof document !== 'undefined' && (document.hidden || document.visibilityState === 'hidden');
}

/**
 * What happens when a notification addressed to this user arrives: the bell refreshes, an in-app
 * toast shows, and when the tab is in the background a system notification (if the user allowed
 * them from the bell). Pushed frames are the live path; while the socket is down the unread list
 * is polled and anything new since the last look goes through the same door.
 */
export function useNotificationCenter(currentUserId: string | null, openConversation: (id: string) => void) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const live = useLive();
  const seen = useRef(new Set<string>());
  const baselined = useRef(false);

  const notify = useCallback(
    (notice: IncomingNotice) => {
      // The server addresses notifications to one user; anything else is not ours to show.
      if (notice.userId && currentUserId && notice.userId !== currentUserId) return;
      if (notice.id) {
        if (seen.current.has(notice.id)) return;
        seen.current.add(notice.id);
      }
      void queryClient.invalidateQueries({ queryKey: queryKeys.notifications.all });
      const text = describeNotice(notice, t, i18n.language);
      const id = notice.id ?? `${notice.kind}:${notice.conversationId ?? ''}:${notice.title}`;
      const body = [text.reference, text.detail].filter(Boolean).join(' — ');
      if (!(ALERT_KINDS as readonly string[]).includes(notice.kind) && notice.kind !== 'webhook.disabled') return;
      pushToast({ id, title: text.title, body, conversationId: notice.conversationId, tone: text.tone, notice });
      if (pageHidden()) {
        showBrowserNotification({
          title: text.title,
          body,
          tag: id,
          onClick: () => {
            if (notice.conversationId) openConversation(notice.conversationId);
          },
        });
      }
    },
    [currentUserId, queryClient, t, i18n.language, openConversation],
  );

  // Fallback while disconnected: new unread notifications found by polling.
  const unread = useUnreadNotifications(currentUserId !== null);
  useEffect(() => {
    const items = unread.data;
    if (!items) return;
    if (!baselined.current || live) {
      // The first answer is what existed before this page; while live, frames already announced
      // the rest. Remember them, alert nothing.
      baselined.current = true;
      items.forEach((n) => seen.current.add(n.id));
      return;
    }
    for (const n of [...items].reverse()) {
      if (seen.current.has(n.id)) continue;
      notify({ id: n.id, kind: n.kind, title: n.title, body: n.body, conversationId: n.conversation_id, userId: null, data: n.data });
    }
  }, [unread.data, live, notify]);

  return notify;
}
