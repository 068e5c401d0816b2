import { queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type BulkJob = components['schemas']['BulkJobRead'];
export type BulkCreate = components['schemas']['BulkCreate'];
export type BulkAction = BulkCreate['action'];
export type BulkFilter = NonNullable<BulkCreate['filter']>;

/** The server's limit on one job (a larger selection is refused with 422 naming it). */
export const BULK_LIMIT = 10_000;

export function useCreateBulkJob() {
  return useMutation({
    mutationFn: (body: BulkCreate) => unwrap(api.POST('/v1/conversations/bulk', { body })),
  });
}

const bulkJobQuery = (id: string) =>
  queryOptions({
    queryKey: queryKeys.bulkJobs.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/conversations/bulk/{job_id}', { params: { path: { job_id: id } }, signal })),
  });

/**
 * A job's progress: pushed over the socket (`bulk_job.updated`, applied by the realtime feature);
 * polled only while the socket is down, and until the job completes.
 */
export function useBulkJob(id: string | null) {
  const live = useLive();
  return useQuery({
    ...bulkJobQuery(id ?? ''),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data?.status === 'completed' ? false : live ? 10_000 : 1_500),
  });
}

export type TemplateOption = components['schemas']['TemplateRead'];

export function useTemplateOptions(enabled: boolean) {
  return useQuery({
    queryKey: [...queryKeys.templates.all, 'bulk-options'],
    queryFn: () => unwrap(api.GET('/v1/templates')),
    enabled,
    staleTime: 60_000,
  });
}

/** The macros the person can use, for "Apply a macro" over many conversations. */
export function useMacroOptions(enabled: boolean) {
  return useQuery({
    queryKey: ['macros', 'bulk-options'],
    queryFn: () => unwrap(api.GET('/v1/macros')),
    enabled,
    staleTime: 60_000,
  });
}
