import { useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type MessageTranslation = components['schemas']['TranslationRead'];

/**
 * GET /v1/messages/{id}/translation: cached server-side, so opening a thread twice costs nothing.
 * A provider failure is not an error: the original comes back with a notice, and the query asks
 * again after `retry_after_seconds` (never when waiting cannot help: quota, key, budget).
 */
export function useMessageTranslation(messageId: string, target: string, enabled: boolean) {
  return useQuery({
    queryKey: ['translation', 'message', messageId, target] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/messages/{message_id}/translation', { params: { path: { message_id: messageId }, query: { target } }, signal })),
    enabled,
    staleTime: Infinity,
    refetchInterval: (query) => {
      const data = query.state.data;
      return data?.status === 'failed' && data.retry_after_seconds ? data.retry_after_seconds * 1000 : false;
    },
    retry: false,
  });
}
