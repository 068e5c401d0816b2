import { useQueries } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

type ViewCounts = components['schemas']['ViewCounts'];

/**
 * Agent workload from the same counts the inbox shows (nothing estimated): per person, their open
 * conversations and how many of those wait on a reply, plus their overdue ones; and the
 * unassigned pile. Two count queries per person, each capped by the server (cap + 1 = "more").
 */
export interface Workload {
  assignee: string; // user id or 'none'
  open: number;
  awaitingReply: number;
  overdue: number;
  failed: number;
  cap: number;
}

async function counts(query: Record<string, string>, signal: AbortSignal): Promise<ViewCounts> {
  return unwrap(api.GET('/v1/conversations/counts', { params: { query }, signal }));
}

export function useWorkload(assignees: readonly string[]) {
  return useQueries({
    queries: assignees.map((assignee) => ({
      queryKey: queryKeys.metrics.workload(assignee),
      queryFn: async ({ signal }: { signal: AbortSignal }): Promise<Workload> => {
        const [open, overdue] = await Promise.all([
          counts({ assignee, status: 'open' }, signal),
          counts({ assignee, sla_state: 'overdue' }, signal),
        ]);
        return {
          assignee,
          open: open.all,
          awaitingReply: open.response_needed,
          failed: open.failed,
          overdue: overdue.all,
          cap: open.cap,
        };
      },
      staleTime: 15_000,
    })),
    combine: (results) => ({
      rows: results.flatMap((r) => (r.data ? [r.data] : [])),
      isLoading: results.some((r) => r.isLoading),
    }),
  });
}
