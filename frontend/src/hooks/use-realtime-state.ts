import { useEffect, useReducer, useSyncExternalStore } from 'react';
import { announceViewing, connectionStatus, liveTypists, presence, typing, type Typist, type Viewer } from '@/lib/realtime-state';

export function useConnectionStatus() {
  return useSyncExternalStore(connectionStatus.subscribe, connectionStatus.get, connectionStatus.get);
}

/** True while pushed updates arrive; queries poll only when this is false. */
export function useLive(): boolean {
  return useConnectionStatus() === 'open';
}

const NO_VIEWERS: readonly Viewer[] = [];

export function useViewers(conversationId: string): readonly Viewer[] {
  const map = useSyncExternalStore(presence.subscribe, presence.get, presence.get);
  return map.get(conversationId) ?? NO_VIEWERS;
}

/** Tells the others (over the socket, when connected) that this agent has the conversation open. */
export function useAnnounceViewing(conversationId: string): void {
  useEffect(() => {
    announceViewing(conversationId);
    return () => announceViewing(null);
  }, [conversationId]);
}

const NO_TYPISTS: readonly Typist[] = [];

/**
 * Who else is typing in the conversation. An indicator clears by itself at its expiry (a client that
 * died never sends `stopped`): the hook re-renders at the earliest expiry.
 */
export function useTypists(conversationId: string, selfId: string | null | undefined): Typist[] {
  const map = useSyncExternalStore(typing.subscribe, typing.get, typing.get);
  const list = map.get(conversationId) ?? NO_TYPISTS;
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const now = Date.now();
  const live = liveTypists(list, now, selfId);
  const nextExpiry = live.length > 0 ? Math.min(...live.map((t) => t.expiresAt)) : null;
  useEffect(() => {
    if (nextExpiry === null) return;
    const timer = setTimeout(rerender, Math.max(0, nextExpiry - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [nextExpiry]);
  return live;
}
