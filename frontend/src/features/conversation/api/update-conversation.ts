import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, patchConversation } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

export type ConversationUpdate = components['schemas']['ConversationUpdate'];

/** Assign, status, priority, category, labels: shown at once, rolled back if the API refuses. */
export function useUpdateConversation(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ConversationUpdate) =>
      unwrap(api.PATCH('/v1/conversations/{conversation_id}', { params: { path: { conversation_id: id } }, body })),
    onMutate: async (body) => {
      await queryClient.cancelQueries({ queryKey: queryKeys.conversations.detail(id) });
      const previous = queryClient.getQueryData(queryKeys.conversations.detail(id));
      patchConversation(queryClient, id, body);
      return { previous };
    },
    onError: (_error, _body, context) => {
      if (context?.previous) queryClient.setQueryData(queryKeys.conversations.detail(id), context.previous);
      void invalidateInbox(queryClient);
    },
    onSuccess: (conversation) => patchConversation(queryClient, id, conversation),
    onSettled: () => {
      void invalidateInbox(queryClient);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(id) });
    },
  });
}
