import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { invalidateInbox } from '@/lib/conversation-cache';
import type { IncomingNotice } from '@/lib/notifications';
import { queryKeys } from '@/lib/query-keys';
import { connectionStatus, registerSender } from '@/lib/realtime-state';
import { parseIsoMs, serverClock } from '@/lib/server-clock';
import { RealtimeConnection, socketTarget } from '../lib/connection';
import { handleFrame, resync } from '../lib/event-handlers';

// Bursts of events (a sync pulling 50 messages) collapse into one list refetch.
const INBOX_REFRESH_DELAY_MS = 300;
// Dashboard figures move with every message; refetching them at most this often is plenty.
const METRICS_REFRESH_DELAY_MS = 5_000;

/**
 * Keeps one WebSocket open for the logged-in session and feeds its events into the query cache:
 * the live path. Polling (each query's refetchInterval while useLive() is false) is only the
 * fallback while this is disconnected.
 */
export function useRealtime(token: string | null, notify: (notice: IncomingNotice) => void): void {
  const queryClient = useQueryClient();
  const notifyRef = useRef(notify);
  notifyRef.current = notify;

  useEffect(() => {
    if (!token) return;
    let refreshTimer: ReturnType<typeof setTimeout> | null = null;
    let metricsTimer: ReturnType<typeof setTimeout> | null = null;
    const scheduleInboxRefresh = () => {
      if (metricsTimer === null) {
        metricsTimer = setTimeout(() => {
          metricsTimer = null;
          void queryClient.invalidateQueries({ queryKey: queryKeys.metrics.all });
        }, METRICS_REFRESH_DELAY_MS);
      }
      if (refreshTimer !== null) return;
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        void invalidateInbox(queryClient);
      }, INBOX_REFRESH_DELAY_MS);
    };
    const deps = { queryClient, scheduleInboxRefresh, notify: (n: IncomingNotice) => notifyRef.current(n) };

    const connection = new RealtimeConnection({
      target: (since) => socketTarget(window.location, token, since),
      onFrame: (frame) => handleFrame(frame, deps),
      onStatus: (status) => {
        connectionStatus.set(status);
        registerSender(status === 'open' ? (frame) => void connection.send(frame) : null);
      },
      onResync: () => {
        resync(queryClient);
        void queryClient.invalidateQueries({ queryKey: queryKeys.metrics.all });
        void queryClient.invalidateQueries({ queryKey: queryKeys.notifications.all });
      },
      onServerTime: (serverTime, receivedAt) => {
        const ms = parseIsoMs(serverTime);
        if (ms !== null) serverClock.recordPushed(ms, receivedAt);
      },
    });
    connection.start();
    const onOnline = () => connection.reconnectNow();
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('online', onOnline);
      if (refreshTimer !== null) clearTimeout(refreshTimer);
      if (metricsTimer !== null) clearTimeout(metricsTimer);
      connection.stop();
      registerSender(null);
    };
  }, [token, queryClient]);
}
