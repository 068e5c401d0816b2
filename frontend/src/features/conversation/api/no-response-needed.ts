import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

/**
 * POST /v1/messages/{id}/no-response-needed: the buyer's "thanks!" needs no answer, so its clocks
 * stop and it leaves the response rate. A failure shows under the message (it never hides the action).
 */

export function useNoResponseNeeded(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) =>
      unwrap(api.POST('/v1/messages/{message_id}/no-response-needed', { params: { path: { message_id: messageId } } })),
    onSuccess: (message) => {
      upsertMessage(queryClient, message);
      // The clocks and the waiting state change server-side: fetch them.
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
      void invalidateInbox(queryClient);
    },
  });
}
