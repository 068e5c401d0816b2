import { useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type AuditEntry = components['schemas']['AuditRead'];

/** The conversation's audit trail (assignments, status, spam, replies, notes), oldest first. */
export function useActivity(id: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.conversations.activity(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/v1/conversations/{conversation_id}/activity', {
          params: { path: { conversation_id: id }, query: { limit: 100 } },
          signal,
        }),
      ),
    enabled,
  });
}
