import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { heldAt, releaseDraftLock, releaseOnUnload, useDraftLock, useDraftLockAction } from '@/hooks/use-draft-lock';
import { queryKeys } from '@/lib/query-keys';

/**
 * The composer's side of the soft draft lock (only when the organization uses them): the first
 * keystroke takes it, later keystrokes renew it (at most every third of the time-out, so it lapses
 * that long after the agent stops typing), and it is released when the draft is emptied, when the
 * agent leaves the conversation or closes the tab; the server releases it on send.
 */
export function useHoldDraftLock(conversationId: string) {
  const queryClient = useQueryClient();
  const lock = useDraftLock(conversationId);
  const action = useDraftLockAction(conversationId);
  const lastTouch = useRef<number | null>(null);
  const mine = Boolean(lock.data?.mine && heldAt(lock.data, Date.now()));
  const mineRef = useRef(mine);
  mineRef.current = mine;

  const enabled = lock.data?.enabled ?? false;
  const heldByOther = Boolean(lock.data && heldAt(lock.data, Date.now()) && !lock.data.mine);
  const ttlMs = (lock.data?.ttl_seconds ?? 120) * 1000;
  const { mutate, isPending } = action;

  const touch = useCallback(
    (text: string) => {
      if (!enabled) return;
      if (!text.trim()) {
        if (mineRef.current) mutate('release');
        lastTouch.current = null;
        return;
      }
      if (heldByOther || isPending) return;
      const now = Date.now();
      if (mineRef.current && lastTouch.current !== null && now - lastTouch.current < ttlMs / 3) return;
      lastTouch.current = now;
      mutate('take'); // renews when it is already ours
    },
    [enabled, heldByOther, isPending, ttlMs, mutate],
  );

  /** The reply went out: the server released the lock with it. */
  const sent = useCallback(() => {
    lastTouch.current = null;
    void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.draftLock(conversationId) });
  }, [queryClient, conversationId]);

  useEffect(() => {
    const onUnload = () => {
      if (mineRef.current) releaseOnUnload(conversationId);
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      window.removeEventListener('beforeunload', onUnload);
      // Leaving the conversation: free it for the colleagues at once.
      if (mineRef.current) {
        mineRef.current = false;
        void releaseDraftLock(conversationId).then(() =>
          queryClient.invalidateQueries({ queryKey: queryKeys.conversations.draftLock(conversationId) }),
        );
      }
      lastTouch.current = null;
    };
  }, [conversationId, queryClient]);

  return { touch, sent, heldByOther, holder: lock.data?.holder ?? null, error: action.error };
}
