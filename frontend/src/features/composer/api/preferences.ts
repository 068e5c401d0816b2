import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Me } from '@/hooks/use-directory';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

/** The person's "assign to me on reply" preference, stored on the server (it follows them across devices). */
export function useAssignOnReply() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (value: boolean) => unwrap(api.PATCH('/v1/users/me/preferences', { body: { assign_on_reply: value } })),
    onSuccess: (user) => {
      queryClient.setQueryData<Me>(queryKeys.me, (me) => (me ? { ...me, user } : me));
    },
  });
}
