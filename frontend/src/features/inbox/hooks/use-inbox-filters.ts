import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { oneOf, SORTS, VIEWS, type View } from '@/lib/enums';
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
export type Sort = (typeof SORTS)[number];

/** Lists of work waiting for an answer put the most urgent deadline on top (as the API does by default). */
export function defaultSort(view: string): Sort {
  return view === 'response_needed' || view === 'customer_care' ? 'deadline' : 'last_message';
}

/** The sort a list is in: the one chosen, else its view's default. */
export function effectiveSort(filters: ConversationFilters): Sort {
  return oneOf(SORTS, filters.sort) ?? defaultSort(filters.view);
}

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
  // A sort equal to the view's default is left out of the URL, so switching views keeps each default.
  const setSort = useCallback(
    (sort: Sort) => update((p) => (sort === defaultSort(p.get('view') ?? 'all') ? p.delete('sort') : p.set('sort', sort))),
    [update],
  );
  /** Replace the whole list query (a saved view): view, filters, sort and search. */
  const applyQuery = useCallback(
    (query: Partial<Record<FilterKey | 'view' | 'sort' | 'q', string | null | undefined>>) =>
      setParams(() => {
        const next = new URLSearchParams();
        for (const key of ['view', ...FILTER_KEYS, 'sort', 'q'] as const) {
          const value = query[key];
          if (value && !(key === 'view' && value === 'all') && !(key === 'sort' && value === defaultSort(query.view ?? 'all'))) next.set(key, value);
        }
        return next;
      }, { replace: true }),
    [setParams],
  );

  const activeFilterCount = FILTER_KEYS.filter((k) => filters[k] !== undefined).length;
  return { filters, setView, setFilter, setSort, applyQuery, clearFilters, activeFilterCount };
}

/** The counts ignore the view (they are per view) and the order, but honour every other filter. */
export function countFilters(filters: ConversationFilters): Omit<ConversationFilters, 'view'> {
  const { view: _view, sort: _sort, ...rest } = filters;
  return rest;
}
