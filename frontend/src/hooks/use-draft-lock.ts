import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { getToken } from '@/lib/session';

/**
 * The soft draft lock of a conversation ("Li Na is drafting a reply"), shared by the workspace (which
 * shows the holder) and the composer (which takes, renews and releases it). Live: a `draft_lock`
 * frame refetches it (see the realtime feature).
 */
export type DraftLock = components['schemas']['DraftLockRead'];

const at = (conversationId: string) => ({ params: { path: { conversation_id: conversationId } } });

export function useDraftLock(conversationId: string) {
  return useQuery({
    queryKey: queryKeys.conversations.draftLock(conversationId),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/conversations/{conversation_id}/draft-lock', { ...at(conversationId), signal })),
  });
}

/** Whether a lock is in force at `now` (epoch ms): a holder whose time ran out no longer counts. Pure. */
export function heldAt(lock: DraftLock | undefined, now: number): boolean {
  return Boolean(lock?.enabled && lock.holder && Date.parse(lock.holder.expires_at.replace(/(\.\d{3})\d+/, '$1')) > now);
}

type LockAction = 'take' | 'renew' | 'release' | 'take-over';

async function call(conversationId: string, action: LockAction): Promise<DraftLock | null> {
  switch (action) {
    case 'take':
      return unwrap(api.POST('/v1/conversations/{conversation_id}/draft-lock', at(conversationId)));
    case 'renew':
      return unwrap(api.PUT('/v1/conversations/{conversation_id}/draft-lock', at(conversationId)));
    case 'take-over':
      return unwrap(api.POST('/v1/conversations/{conversation_id}/draft-lock/take-over', at(conversationId)));
    case 'release':
      await unwrap(api.DELETE('/v1/conversations/{conversation_id}/draft-lock', at(conversationId)));
      return null;
  }
}

export function useDraftLockAction(conversationId: string) {
  const queryClient = useQueryClient();
  const key = queryKeys.conversations.draftLock(conversationId);
  return useMutation({
    mutationFn: (action: LockAction) => call(conversationId, action),
    onSuccess: (lock) => {
      if (lock) queryClient.setQueryData(key, lock);
      else void queryClient.invalidateQueries({ queryKey: key });
    },
    // Refused (a colleague took it, or it expired): show who has it now.
    onError: () => void queryClient.invalidateQueries({ queryKey: key }),
  });
}

/**
 * Release while the page goes away (tab closed, reload): a normal request may be cancelled with the
 * page, a keepalive one is finished by the browser.
 */
export function releaseOnUnload(conversationId: string): void {
  const token = getToken();
  if (!token) return;
  void fetch(`/v1/conversations/${encodeURIComponent(conversationId)}/draft-lock`, {
    method: 'DELETE',
    keepalive: true,
    headers: { Authorization: `Bearer ${token}` },
  }).catch(() => undefined);
}

/** Release without a mutation (a component that is going away): fire and forget, then refetch. */
export function releaseDraftLock(conversationId: string): Promise<unknown> {
  return unwrap(api.DELETE('/v1/conversations/{conversation_id}/draft-lock', at(conversationId))).catch(() => undefined);
}
