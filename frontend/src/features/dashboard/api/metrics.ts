import { useQueries, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Overview = components['schemas']['Overview'];
export type ResponseRateReport = components['schemas']['ResponseRateReport'];

export const WINDOWS = [7, 14, 30, 60, 90] as const;
export type WindowDays = (typeof WINDOWS)[number];

// Pushed events refresh the figures (throttled in the realtime feature); without the socket, poll.
const POLL_MS = 30_000;

export function useOverview() {
  const live = useLive();
  return useQuery({
    queryKey: queryKeys.metrics.overview,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/metrics/overview', { signal })),
    refetchInterval: live ? 60_000 : POLL_MS,
    placeholderData: (previous) => previous,
  });
}

const rateQuery = (windowDays: number) => ({
  queryKey: queryKeys.metrics.responseRate(windowDays),
  queryFn: ({ signal }: { signal: AbortSignal }) =>
    unwrap(api.GET('/v1/metrics/response-rate', { params: { query: { window_days: windowDays } }, signal })),
  staleTime: 30_000,
});

export function useResponseRate(windowDays: WindowDays) {
  const live = useLive();
  return useQuery({ ...rateQuery(windowDays), refetchInterval: live ? false : POLL_MS, placeholderData: (previous) => previous });
}

/** Every window at once, for the chart over time (each is one cheap grouped query on the server). */
export function useAllWindows() {
  return useQueries({
    queries: WINDOWS.map((w) => rateQuery(w)),
    combine: (results) => ({
      reports: results.flatMap((r) => (r.data ? [r.data] : [])),
      isLoading: results.some((r) => r.isLoading),
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}
