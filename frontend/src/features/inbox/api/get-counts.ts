import { queryOptions, useQuery } from '@tanstack/react-query';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys, type ConversationFilters } from '@/lib/query-keys';
import { POLL_INTERVAL_MS, toListQuery } from './get-conversations';

export const viewCountsQueryOptions = (filters: Omit<ConversationFilters, 'view'>) =>
  queryOptions({
    queryKey: queryKeys.conversations.countsFor(filters),
    queryFn: ({ signal }) => {
      const { view: _view, limit: _limit, cursor: _cursor, sort: _sort, ...query } = toListQuery({ ...filters, view: 'all' }, null);
      return unwrap(api.GET('/v1/conversations/counts', { params: { query }, signal }));
    },
  });

export function useViewCounts(filters: Omit<ConversationFilters, 'view'>) {
  const live = useLive();
  return useQuery({
    ...viewCountsQueryOptions(filters),
    refetchInterval: live ? false : POLL_INTERVAL_MS,
    placeholderData: (previous) => previous,
  });
}
