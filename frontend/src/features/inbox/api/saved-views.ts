import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type SavedView = components['schemas']['SavedViewRead'];
export type SavedViewCreate = components['schemas']['SavedViewCreate'];

const KEY = ['saved-views'] as const;

/** My saved views and those shared with my teams. */
export function useSavedViews() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => unwrap(api.GET('/v1/saved-views', { signal })), staleTime: 60_000 });
}

export function useCreateSavedView() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SavedViewCreate) => unwrap(api.POST('/v1/saved-views', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteSavedView() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/saved-views/{view_id}', { params: { path: { view_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}
