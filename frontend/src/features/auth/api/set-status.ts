import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type PresenceStatus = components['schemas']['PresenceUpdate']['status'];

/** The agent's own presence: assignment balances work across agents who are online. */
export function useSetMyStatus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (status: PresenceStatus) => unwrap(api.PUT('/v1/users/me/status', { body: { status } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.me });
      void queryClient.invalidateQueries({ queryKey: queryKeys.users });
    },
  });
}
