import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, patchConversation } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

export type SpamReason = components['schemas']['SpamFlag']['reason'];

/** Flag (with a reason) or unflag; the server refuses order threads and replied ones with 409. */
export function useSpam(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (reason: SpamReason | null) => {
      const path = { conversation_id: id };
      return unwrap(
        reason
          ? api.POST('/v1/conversations/{conversation_id}/spam', { params: { path }, body: { reason } })
          : api.DELETE('/v1/conversations/{conversation_id}/spam', { params: { path } }),
      );
    },
    onSuccess: (conversation) => patchConversation(queryClient, id, conversation),
    onSettled: () => {
      void invalidateInbox(queryClient);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(id) });
    },
  });
}
