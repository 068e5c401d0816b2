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
        api.GET('/v1/audit', {
          params: { query: { entity_type: 'conversation', entity_id: id, limit: 100 } },
          signal,
        }),
      ),
    enabled,
  });
}
