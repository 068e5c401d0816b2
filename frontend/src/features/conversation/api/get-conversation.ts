import { queryOptions, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type ConversationDetail = components['schemas']['ConversationDetail'];
export type Message = components['schemas']['MessageRead'];
export type Note = components['schemas']['NoteRead'];
export type Order = components['schemas']['OrderRead'];
export type Customer = components['schemas']['CustomerRead'];

// Without the socket, delivery statuses and new buyer messages still show within a few seconds.
const POLL_INTERVAL_MS = 5_000;

export const conversationQueryOptions = (id: string) =>
  queryOptions({
    queryKey: queryKeys.conversations.detail(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/conversations/{conversation_id}', { params: { path: { conversation_id: id } }, signal })),
  });

export function useConversation(id: string) {
  const live = useLive();
  return useQuery({ ...conversationQueryOptions(id), refetchInterval: live ? false : POLL_INTERVAL_MS });
}
