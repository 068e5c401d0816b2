import { useEffect, useRef } from 'react';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { isNotFound } from '@/lib/problem';
import type { EscalationNotice } from '../lib/event-handlers';

const POLL_MS = 15_000;

/**
 * Without the socket, escalations would go unseen: poll GET /v1/notifications?unread=true instead
 * (a 404 means this server has none, and stops the polling). The first answer only marks what
 * already exists as seen, so logging in does not replay old alerts.
 */
export function useNotificationPoll(token: string | null, notify: (notice: EscalationNotice) => void): void {
  const live = useLive();
  const seen = useRef<Set<string> | null>(null);
  const unsupported = useRef(false);
  const notifyRef = useRef(notify);
  notifyRef.current = notify;

  useEffect(() => {
    if (!token || live || unsupported.current) return;
    let cancelled = false;
    const poll = async () => {
      try {
        const items = await unwrap(api.GET('/v1/notifications', { params: { query: { unread: true, limit: 20 } } }));
        if (cancelled) return;
        const first = seen.current === null;
        const known = seen.current ?? new Set<string>();
        for (const n of items) {
          if (known.has(n.id)) continue;
          known.add(n.id);
          if (!first) {
            notifyRef.current({ id: n.id, kind: n.kind, title: n.title, body: n.body, conversationId: n.conversation_id, userId: null });
          }
        }
        seen.current = known;
      } catch (error) {
        if (isNotFound(error)) {
          unsupported.current = true;
          clearInterval(timer);
        }
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [token, live]);
}
