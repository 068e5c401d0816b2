import { useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Deflection = components['schemas']['DeflectionRead'];

/** Help-page views, questions answered by an article (deflected), questions sent, articles used. */
export function useDeflection(days: number) {
  return useQuery({
    queryKey: queryKeys.knowledge.deflection(days),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/knowledge/deflection', { params: { query: { days } }, signal })),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
}
