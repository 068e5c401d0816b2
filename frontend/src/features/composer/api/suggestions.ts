import { useMutation, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Suggestion = components['schemas']['SuggestionRead'];
export type SuggestionUse = components['schemas']['SuggestionUse'];

/** The best articles and templates for the conversation, ready to insert (variables filled, linted). */
export function useSuggestions(conversationId: string, lastMessageAt: string) {
  return useQuery({
    // A new buyer message changes what fits: the key follows the conversation's latest message.
    queryKey: [...queryKeys.knowledge.suggestions(conversationId), lastMessageAt],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/conversations/{conversation_id}/suggestions', { params: { path: { conversation_id: conversationId }, query: { limit: 4 } }, signal })),
    staleTime: 60_000,
  });
}

/** Insertions and sent replies teach the ranking; a lost record is not worth an error for the agent. */
export function useRecordSuggestionUse(conversationId: string) {
  return useMutation({
    mutationFn: (body: SuggestionUse) =>
      unwrap(api.POST('/v1/conversations/{conversation_id}/suggestions/use', { params: { path: { conversation_id: conversationId } }, body })),
  });
}
