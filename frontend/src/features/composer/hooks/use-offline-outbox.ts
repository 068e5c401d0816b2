import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { useBrowserOnline } from '@/hooks/use-online';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';
import { flushQueue, queuedReplies, subscribeQueue, type QueuedReply } from '../lib/offline-queue';

// While replies wait and the browser says it is online (the socket may still be down), retry this often.
const RETRY_MS = 5_000;

export function useQueuedReplies(userId: string | null, conversationId?: string): readonly QueuedReply[] {
  const all = useSyncExternalStore(subscribeQueue, () => queuedReplies(userId), () => queuedReplies(userId));
  return conversationId ? all.filter((r) => r.conversationId === conversationId) : all;
}

/** Sends the user's queued replies when the browser is back online (mounted once, in the app shell). */
export function useOfflineOutbox(userId: string | null): void {
  const queryClient = useQueryClient();
  const online = useBrowserOnline();
  const waiting = useQueuedReplies(userId).some((r) => r.state === 'queued');

  useEffect(() => {
    if (!userId || !online || !waiting) return;
    const send = async (reply: QueuedReply) => {
      const message = await unwrap(
        api.POST('/v1/conversations/{conversation_id}/replies', {
          params: { path: { conversation_id: reply.conversationId } },
          body: {
            body: reply.body,
            template_id: reply.templateId,
            ...(reply.original ? { original_text: reply.original.text, original_language: reply.original.language } : {}),
            ...(reply.resolve ? { resolve: true } : {}),
          },
          headers: { 'Idempotency-Key': reply.id },
        }),
      );
      upsertMessage(queryClient, message);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(reply.conversationId) });
      void invalidateInbox(queryClient);
    };
    const run = () => void flushQueue(userId, send);
    run();
    const timer = setInterval(run, RETRY_MS);
    return () => clearInterval(timer);
  }, [userId, online, waiting, queryClient]);
}
