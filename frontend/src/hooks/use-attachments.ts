import { useMutation, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { toApiError } from '@/lib/problem';

export type AttachmentRef = components['schemas']['AttachmentRef'];
export type AttachmentRead = components['schemas']['AttachmentRead'];

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isPreviewable(a: Pick<AttachmentRef, 'status' | 'content_type'>): boolean {
  return a.status === 'stored' && IMAGE_TYPES.has(a.content_type ?? '');
}

async function fetchBlob(id: string, download: boolean): Promise<Blob> {
  const { data, error, response } = await api.GET('/v1/attachments/{attachment_id}', {
    params: { path: { attachment_id: id }, query: { download } },
    parseAs: 'blob',
  });
  if (!response.ok || error !== undefined) throw toApiError(response.status, error);
  return data as unknown as Blob;
}

/**
 * An image attachment as an object URL (the API wants the bearer token, which an <img src> cannot
 * send): fetched once per id, revoked when the query is dropped.
 */
export function useAttachmentImage(id: string, enabled: boolean) {
  const query = useQuery({
    queryKey: ['attachments', 'image', id],
    queryFn: async () => URL.createObjectURL(await fetchBlob(id, false)),
    enabled,
    staleTime: Infinity,
    gcTime: 5 * 60_000,
  });
  return query;
}

/** Save a file to the agent's disk (always as a download: the browser never renders it). */
export async function downloadAttachment(id: string, filename: string): Promise<void> {
  const blob = await fetchBlob(id, true);
  const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Upload a file as the raw request body (the type is sniffed by the server). */
export function useUploadAttachment() {
  return useMutation({
    mutationFn: (file: File) =>
      unwrap(
        api.POST('/v1/attachments', {
          params: { query: { filename: file.name || 'attachment' } },
          body: file as unknown as string,
          bodySerializer: (body: unknown) => body as BodyInit,
          headers: { 'Content-Type': 'application/octet-stream' },
        }),
      ),
  });
}

export function usePolicy() {
  return useQuery({
    queryKey: ['attachments', 'policy'],
    queryFn: () => unwrap(api.GET('/v1/attachments/policy')),
    staleTime: 10 * 60_000,
  });
}

export function formatBytes(size: number | null | undefined, locale: string): string {
  if (size === null || size === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}
