import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

/**
 * POST /v1/messages/{id}/response-needed: undo "no response needed" (Hourglass's automatic decision on a
 * plain "thanks", or a person's), so the message waits for an answer again and its clock restarts.
 */
export function useResponseNeeded(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) =>
      unwrap(api.POST('/v1/messages/{message_id}/response-needed', { params: { path: { message_id: messageId } } })),
    onSuccess: (message) => {
      upsertMessage(queryClient, message);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
      void invalidateInbox(queryClient);
    },
  });
}
