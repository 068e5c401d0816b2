import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox, upsertMessage } from '@/lib/conversation-cache';
import { ApiError } from '@/lib/problem';
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
  /** The newest message the agent had seen when they started the draft: a newer one means a 409. */
  basedOnMessageId?: string | null;
  /** Send even though a newer message arrived (after the agent read it in the collision prompt). */
  confirm?: boolean;
  /** Files uploaded with POST /v1/attachments, sent with the reply where the marketplace takes them. */
  attachmentIds?: string[];
}

export function useSendReply(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      body,
      templateId,
      idempotencyKey,
      original,
      resolve = false,
      basedOnMessageId = null,
      confirm = false,
      attachmentIds = [],
    }: ReplyInput) =>
      unwrap(
        api.POST('/v1/conversations/{conversation_id}/replies', {
          params: { path: { conversation_id: conversationId } },
          body: {
            body,
            template_id: templateId,
            ...(original ? { original_text: original.text, original_language: original.language } : {}),
            ...(resolve ? { resolve: true } : {}),
            ...(basedOnMessageId ? { based_on_message_id: basedOnMessageId } : {}),
            ...(confirm ? { confirm: true } : {}),
            ...(attachmentIds.length > 0 ? { attachment_ids: attachmentIds } : {}),
          },
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
      ),
    onError: (error) => {
      // A collision (409) means the thread moved on: fetch what arrived so the prompt can show it.
      if (error instanceof ApiError && error.status === 409) {
        void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
      }
    },
    onSuccess: (message) => {
      upsertMessage(queryClient, message);
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
      void invalidateInbox(queryClient);
    },
  });
}
