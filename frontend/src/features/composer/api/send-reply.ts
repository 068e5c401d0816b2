import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

export interface ReplyInput {
  body: string;
  templateId: string | null;
  /** The same key for the same draft: a double Ctrl+Enter or a retry after a timeout sends once. */
  idempotencyKey: string;
  /** When `body` is a translation: what the agent wrote, stored with the reply. */
  original?: { text: string; language: string } | null;
  /** Send and resolve: the conversation is resolved in the same request. */
  resolve?: boolean;
}

export function useSendReply(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, templateId, idempotencyKey, original, resolve = false }: ReplyInput) =>
      unwrap(
        api.POST('/v1/conversations/{conversation_id}/replies', {
          params: { path: { conversation_id: conversationId } },
          body: {
            body,
            template_id: templateId,
            ...(original ? { original_text: original.text, original_language: original.language } : {}),
            ...(resolve ? { resolve: true } : {}),
          },
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
      ),
    onSuccess: (message) => {
      upsertMessage(queryClient, message);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
      void invalidateInbox(queryClient);
    },
  });
}
