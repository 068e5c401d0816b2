import { useInfiniteQuery } from '@tanstack/react-query';
import type { components, operations } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type AuditEntry = components['schemas']['AuditRead'];
export type AuditQuery = NonNullable<operations['audit-list_audit']['parameters']['query']>;

export interface AuditFilters {
  actor_type?: 'user' | 'api_key' | 'system' | 'automation';
  actor_id?: string;
  action?: string;
  target?: string;
  /** yyyy-mm-dd, local days */
  from?: string;
  to?: string;
  order: 'asc' | 'desc';
}

const PAGE = 50;

/** Local calendar days as instants: `from` at the start of its day, `to` at the end of its day (exclusive next midnight). */
export function dayBounds(filters: AuditFilters): { from?: string; to?: string } {
  const start = filters.from ? new Date(`${filters.from}T00:00:00`) : null;
  const end = filters.to ? new Date(`${filters.to}T00:00:00`) : null;
  if (end) end.setDate(end.getDate() + 1);
  return { from: start?.toISOString(), to: end?.toISOString() };
}

export function toAuditQuery(filters: AuditFilters): AuditQuery {
  const { from, to } = dayBounds(filters);
  const query: AuditQuery = { order: filters.order, limit: PAGE };
  if (filters.actor_type) query.actor_type = filters.actor_type;
  if (filters.actor_id) query.actor_id = filters.actor_id;
  if (filters.action) query.action = filters.action;
  if (filters.target) query.target = filters.target;
  if (from) query.from = from;
  if (to) query.to = to;
  return query;
}

export function useAuditLog(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam, signal }) =>
      unwrap(api.GET('/v1/audit', { params: { query: { ...toAuditQuery(filters), cursor: pageParam } }, signal })),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    retry: false,
  });
}
