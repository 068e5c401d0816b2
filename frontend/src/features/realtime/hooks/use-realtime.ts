import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { invalidateInbox } from '@/lib/conversation-cache';
import { connectionStatus, registerSender } from '@/lib/realtime-state';
import { RealtimeConnection, socketUrl } from '../lib/connection';
import { handleFrame, resync, type EscalationNotice } from '../lib/event-handlers';

// Bursts of events (a sync pulling 50 messages) collapse into one list refetch.
const INBOX_REFRESH_DELAY_MS = 300;

/** Keeps one WebSocket open for the logged-in session and feeds its events into the query cache. */
export function useRealtime(token: string | null, notify: (notice: EscalationNotice) => void): void {
  const queryClient = useQueryClient();
  const notifyRef = useRef(notify);
  notifyRef.current = notify;

  useEffect(() => {
    if (!token) return;
    let refreshTimer: ReturnType<typeof setTimeout> | null = null;
    const scheduleInboxRefresh = () => {
      if (refreshTimer !== null) return;
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        void invalidateInbox(queryClient);
      }, INBOX_REFRESH_DELAY_MS);
    };
    const deps = { queryClient, scheduleInboxRefresh, notify: (n: EscalationNotice) => notifyRef.current(n) };

    const connection = new RealtimeConnection({
      url: (since) => socketUrl(window.location, token, since),
      onFrame: (frame) => handleFrame(frame, deps),
      onStatus: (status) => {
        connectionStatus.set(status);
        registerSender(status === 'open' ? (frame) => void connection.send(frame) : null);
      },
      onResync: () => resync(queryClient),
    });
    connection.start();
    const onOnline = () => connection.reconnectNow();
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('online', onOnline);
      if (refreshTimer !== null) clearTimeout(refreshTimer);
      connection.stop();
      registerSender(null);
    };
  }, [token, queryClient]);
}
