import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type DraftLockSettings = components['schemas']['DraftLockSettingsRead'];
const KEY = ['draft-lock', 'settings'] as const;

export function useDraftLockSettings() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => unwrap(api.GET('/v1/draft-lock/settings', { signal })) });
}

export function useSaveDraftLockSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DraftLockSettings) => unwrap(api.PUT('/v1/draft-lock/settings', { body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(KEY, saved);
      // Open workspaces learn that locks are on (or off) from their lock query.
      void queryClient.invalidateQueries({ queryKey: ['conversations', 'draft-lock'] });
    },
  });
}
