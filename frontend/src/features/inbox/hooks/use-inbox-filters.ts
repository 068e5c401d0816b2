import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { oneOf, VIEWS, type View } from '@/lib/enums';
import type { ConversationFilters } from '@/lib/query-keys';

export const FILTER_KEYS = [
  'marketplace',
  'channel_id',
  'assignee',
  'team_id',
  'status',
  'category',
  'priority',
  'sla_state',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * The inbox state lives in the URL (?view=unread&marketplace=amazon&q=...), so a view can be
 * bookmarked or shared, the back button works, and a reload lands on the same list.
 */
export function useInboxFilters() {
  const [params, setParams] = useSearchParams();

  const filters = useMemo<ConversationFilters>(() => {
    const result: ConversationFilters = { view: oneOf(VIEWS, params.get('view')) ?? 'all' };
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) result[key] = value;
    }
    const sort = params.get('sort');
    if (sort) result.sort = sort;
    const q = params.get('q')?.trim();
    if (q) result.q = q;
    return result;
  }, [params]);

  const update = useCallback(
    (mutate: (next: URLSearchParams) => void) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          mutate(next);
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const setView = useCallback((view: View) => update((p) => (view === 'all' ? p.delete('view') : p.set('view', view))), [update]);
  const setFilter = useCallback(
    (key: FilterKey | 'q' | 'sort', value: string | undefined) => update((p) => (value ? p.set(key, value) : p.delete(key))),
    [update],
  );
  const clearFilters = useCallback(() => update((p) => FILTER_KEYS.forEach((k) => p.delete(k))), [update]);

  const activeFilterCount = FILTER_KEYS.filter((k) => filters[k] !== undefined).length;
  return { filters, setView, setFilter, clearFilters, activeFilterCount };
}

/** The counts ignore the view (they are per view) and the order, but honour every other filter. */
export function countFilters(filters: ConversationFilters): Omit<ConversationFilters, 'view'> {
  const { view: _view, sort: _sort, ...rest } = filters;
  return rest;
}
