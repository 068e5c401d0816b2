import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';

/** Queue a failed reply again; it leaves Failed Messages once the server accepts the retry. */
export function useRetryMessage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) =>
      unwrap(api.POST('/v1/messages/{message_id}/retry', { params: { path: { message_id: messageId } } })),
    onSuccess: (message) => {
      upsertMessage(queryClient, message);
      void invalidateInbox(queryClient);
    },
  });
}
