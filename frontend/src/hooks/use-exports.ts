import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type ExportCreate = components['schemas']['ExportCreate'];
export type ExportJob = components['schemas']['ExportJobRead'];
export type ExportKind = ExportJob['kind'];
export type ExportFormat = ExportJob['format'];

export const EXPORTS_KEY = ['exports'] as const;
const POLL_MS = 1500;

export const isUnfinished = (job: ExportJob | undefined) => job?.status === 'queued' || job?.status === 'running';

/** Start an export (a worker writes the file; follow it with `useExportJob`). */
export function useCreateExport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ExportCreate) => unwrap(api.POST('/v1/exports', { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: EXPORTS_KEY }),
  });
}

/** One export, polled while it is queued or running. */
export function useExportJob(id: string | null) {
  return useQuery({
    queryKey: [...EXPORTS_KEY, 'one', id],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/exports/{export_id}', { params: { path: { export_id: id ?? '' } }, signal })),
    enabled: id !== null,
    refetchInterval: (query) => (isUnfinished(query.state.data) ? POLL_MS : false),
  });
}

/** The exports list, polled while any of them is unfinished. */
export function useExportList() {
  return useQuery({
    queryKey: [...EXPORTS_KEY, 'list'],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/exports', { params: { query: { limit: 100 } }, signal })),
    refetchInterval: (query) => (query.state.data?.items.some(isUnfinished) ? POLL_MS : false),
  });
}

/** Fetch the file with the session's credentials and hand it to the browser as a download. */
export async function downloadExport(job: ExportJob): Promise<void> {
  const { data, response } = await api.GET('/v1/exports/{export_id}/download', {
    params: { path: { export_id: job.id } },
    parseAs: 'blob',
  });
  if (!response.ok || !(data instanceof Blob)) throw new Error(`download failed (${response.status})`);
  const url = URL.createObjectURL(data);
  const link = document.createElement('a');
  link.href = url;
  link.download = job.file_name;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
