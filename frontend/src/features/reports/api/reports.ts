import { useQuery } from '@tanstack/react-query';
import type { components, operations } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { rangeParams, type DateRange } from '@/lib/date-range';

export type AgentRow = components['schemas']['AgentRow'];
export type MetricFigures = components['schemas']['MetricFigures'];
export type Measure = operations['reports-metric_conversations']['parameters']['query']['measure'];

export function useLeaderboard(range: DateRange, enabled: boolean) {
  const query = rangeParams(range);
  return useQuery({
    queryKey: ['reports', 'agents', query],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/agents', { params: { query }, signal })),
    enabled,
    placeholderData: (previous) => previous,
  });
}

export function useAgentReport(userId: string, range: DateRange) {
  const query = { ...rangeParams(range), granularity: 'day' as const };
  return useQuery({
    queryKey: ['reports', 'agent', userId, query],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/agents/{user_id}', { params: { path: { user_id: userId }, query }, signal })),
    placeholderData: (previous) => previous,
  });
}

/** SLA over time, per marketplace (each follows its own rule on automatic messages). */
export function useSlaSeries(range: DateRange) {
  const query = { ...rangeParams(range), granularity: 'day' as const, group_by: ['marketplace' as const] };
  return useQuery({
    queryKey: ['reports', 'sla', query],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/metrics', { params: { query }, signal })),
    placeholderData: (previous) => previous,
  });
}

export interface DrillTarget {
  measure: Measure;
  agentId?: string;
  marketplace?: string;
  label: string;
}

export function useDrillDown(range: DateRange, target: DrillTarget | null) {
  const query = {
    ...rangeParams(range),
    measure: target?.measure ?? ('replies' as Measure),
    agent_id: target?.agentId,
    marketplace: target?.marketplace,
  };
  return useQuery({
    queryKey: ['reports', 'drill', query],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/metrics/conversations', { params: { query }, signal })),
    enabled: target !== null,
  });
}
