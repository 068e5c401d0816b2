import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, patchConversation } from '@/lib/conversation-cache';

export function useSetRead(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (read: boolean) => {
      const params = { params: { path: { conversation_id: id } } };
      return unwrap(
        read
          ? api.POST('/v1/conversations/{conversation_id}/read', params)
          : api.POST('/v1/conversations/{conversation_id}/unread', params),
      );
    },
    onMutate: (read) => patchConversation(queryClient, id, { unread: !read }),
    onSettled: () => invalidateInbox(queryClient),
  });
}
