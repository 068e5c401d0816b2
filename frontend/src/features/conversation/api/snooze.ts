import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, patchConversation } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

/** Snooze until a time (ISO) or, with `null`, until the buyer writes; `wake` brings it back now. */
export function useSnooze(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: { until: string | null } | 'wake') => {
      const path = { conversation_id: id };
      return unwrap(
        action === 'wake'
          ? api.DELETE('/v1/conversations/{conversation_id}/snooze', { params: { path } })
          : api.POST('/v1/conversations/{conversation_id}/snooze', { params: { path }, body: { until: action.until } }),
      );
    },
    onSuccess: (conversation) => patchConversation(queryClient, id, conversation),
    onSettled: () => {
      void invalidateInbox(queryClient);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(id) });
    },
  });
}
