import { useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { rangeParams, type DateRange } from '@/lib/date-range';

export type MetricsReport = components['schemas']['MetricsReport'];
export type MetricPoint = components['schemas']['MetricPoint'];

/** The dashboard's time series: the hourly rollups summed per local day, with the previous period. */
export function useTrend(range: DateRange, marketplace: string, includeAutomation: boolean) {
  const query = { ...rangeParams(range), granularity: 'day' as const, marketplace: marketplace || undefined, include_automation: includeAutomation };
  return useQuery({
    queryKey: ['reports', 'metrics', 'dashboard', query],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/metrics', { params: { query }, signal })),
    placeholderData: (previous) => previous,
    staleTime: 30_000,
  });
}
