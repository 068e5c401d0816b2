import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { queryKeys } from './query-keys';

/**
 * Cache surgery shared by the mutations and the realtime handlers: change a conversation or a
 * message everywhere it is shown (every loaded list page and the open detail) at once, so the row
 * and the workspace never disagree while the authoritative refetch is in flight.
 */
type ConversationRead = components['schemas']['ConversationRead'];
type ConversationDetail = components['schemas']['ConversationDetail'];
type ConversationPage = components['schemas']['ConversationPage'];
type MessageRead = components['schemas']['MessageRead'];

/** Fields as the API named them; values come from the API itself (responses or event payloads). */
export type ConversationPatch = Partial<ConversationRead> | Record<string, unknown>;

export function patchConversation(queryClient: QueryClient, id: string, patch: ConversationPatch): void {
  queryClient.setQueriesData<InfiniteData<ConversationPage>>({ queryKey: queryKeys.conversations.lists }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) =>
            page.items.some((c) => c.id === id)
              ? { ...page, items: page.items.map((c) => (c.id === id ? ({ ...c, ...patch } as ConversationRead) : c)) }
              : page,
          ),
        }
      : data,
  );
  queryClient.setQueryData<ConversationDetail>(queryKeys.conversations.detail(id), (detail) =>
    detail ? ({ ...detail, ...patch } as ConversationDetail) : detail,
  );
}

/** Adds or replaces a message in the open detail (a sent reply, a retried one, a pushed one). */
export function upsertMessage(queryClient: QueryClient, message: MessageRead): void {
  queryClient.setQueryData<ConversationDetail>(queryKeys.conversations.detail(message.conversation_id), (detail) => {
    if (!detail) return detail;
    const exists = detail.messages.some((m) => m.id === message.id);
    return {
      ...detail,
      messages: exists
        ? detail.messages.map((m) => (m.id === message.id ? message : m))
        : [...detail.messages, message],
    };
  });
}

/** Merges the known fields of a partial message (a delivery update) into the open detail. */
export function patchMessage(
  queryClient: QueryClient,
  conversationId: string,
  messageId: string,
  patch: Partial<MessageRead>,
): boolean {
  let found = false;
  queryClient.setQueryData<ConversationDetail>(queryKeys.conversations.detail(conversationId), (detail) => {
    if (!detail) return detail;
    return {
      ...detail,
      messages: detail.messages.map((m) => {
        if (m.id !== messageId) return m;
        found = true;
        return { ...m, ...patch };
      }),
    };
  });
  return found;
}

/** Lists and counts: which views a conversation belongs to is the server's call, so ask again. */
export function invalidateInbox(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: queryKeys.conversations.lists }),
    queryClient.invalidateQueries({ queryKey: queryKeys.conversations.counts }),
  ]).then(() => undefined);
}
