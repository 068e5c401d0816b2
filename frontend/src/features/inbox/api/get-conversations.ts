import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import type { components, operations } from '@/api/schema';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { CATEGORIES, MARKETPLACES, oneOf, PRIORITIES, SLA_FILTERS, SORTS, STATUSES, VIEWS } from '@/lib/enums';
import { queryKeys, type ConversationFilters } from '@/lib/query-keys';

export type ConversationRow = components['schemas']['ConversationRead'];
type ListQuery = NonNullable<operations['conversations-list_conversations']['parameters']['query']>;

const PAGE_SIZE = 100;
// Polling while the socket is down refetches every loaded page; beyond a few pages that is more
// traffic than the freshness is worth, so a deep-scrolled list waits for the socket or a scroll up.
const POLL_MAX_PAGES = 3;
export const POLL_INTERVAL_MS = 5_000;

/**
 * SLA filter and deadline sort: sent only when chosen, typed as literals so this compiles whether
 * or not the generated schema has them yet (a server without them ignores unknown parameters).
 */
interface SlaQuery {
  sla_state?: (typeof SLA_FILTERS)[number];
  sort?: (typeof SORTS)[number];
}

export function toListQuery(filters: ConversationFilters, cursor: string | null): ListQuery & SlaQuery {
  const query: ListQuery & SlaQuery = {
    view: oneOf(VIEWS, filters.view) ?? 'all',
    limit: PAGE_SIZE,
    cursor,
    channel_id: filters.channel_id ?? null,
    marketplace: oneOf(MARKETPLACES, filters.marketplace) ?? null,
    assignee: filters.assignee ?? null,
    team_id: filters.team_id ?? null,
    status: oneOf(STATUSES, filters.status) ?? null,
    category: oneOf(CATEGORIES, filters.category) ?? null,
    priority: oneOf(PRIORITIES, filters.priority) ?? null,
    q: filters.q ?? null,
  };
  const slaState = oneOf(SLA_FILTERS, filters.sla_state);
  if (slaState) query.sla_state = slaState;
  // Only a sort the person chose: without one the API applies the view's default (deadline first
  // for Response Needed and Customer Care).
  const sort = oneOf(SORTS, filters.sort);
  if (sort) query.sort = sort;
  return query;
}

export const conversationsQueryOptions = (filters: ConversationFilters) =>
  infiniteQueryOptions({
    queryKey: queryKeys.conversations.list(filters),
    queryFn: ({ pageParam, signal }) =>
      unwrap(api.GET('/v1/conversations', { params: { query: toListQuery(filters, pageParam) }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

export function useConversations(filters: ConversationFilters) {
  const live = useLive();
  return useInfiniteQuery({
    ...conversationsQueryOptions(filters),
    refetchInterval: (query) =>
      !live && (query.state.data?.pages.length ?? 0) <= POLL_MAX_PAGES ? POLL_INTERVAL_MS : false,
    // Keep showing the previous list while a new filter loads, instead of flashing empty.
    placeholderData: (previous) => previous,
  });
}
