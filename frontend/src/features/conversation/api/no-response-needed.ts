import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

export type NoResponseReason = components['schemas']['NoResponseNeededCreate']['reason'];
export type NoResponseInput = components['schemas']['NoResponseNeededCreate'];

/**
 * POST /v1/messages/{id}/no-response-needed (with a reason; a question must be confirmed) and its
 * undo, DELETE on the same path. Both change clocks and the waiting state server-side, so the
 * conversation and the lists are fetched again. A failure shows under the message.
 */
export function useNoResponseNeeded(conversationId: string) {
  const queryClient = useQueryClient();
  const refresh = (message: components['schemas']['MessageRead']) => {
    upsertMessage(queryClient, message);
    void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(conversationId) });
    void invalidateInbox(queryClient);
  };
  const mark = useMutation({
    mutationFn: ({ messageId, body }: { messageId: string; body: NoResponseInput }) =>
      unwrap(api.POST('/v1/messages/{message_id}/no-response-needed', { params: { path: { message_id: messageId } }, body })),
    onSuccess: refresh,
  });
  const undo = useMutation({
    mutationFn: (messageId: string) =>
      unwrap(api.DELETE('/v1/messages/{message_id}/no-response-needed', { params: { path: { message_id: messageId } } })),
    onSuccess: refresh,
  });
  return { mark, undo };
}
