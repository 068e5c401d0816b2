import { useEffect, useSyncExternalStore } from 'react';
import { announceViewing, connectionStatus, presence, type Viewer } from '@/lib/realtime-state';

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
