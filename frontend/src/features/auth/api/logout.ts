import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import { forgetUser } from '@/lib/i18n';
import { clearSession } from '@/lib/session';

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    // Going offline and revoking the token are best effort: the local session is dropped either way.
    mutationFn: async () => {
      await api.PUT('/v1/users/me/status', { body: { status: 'offline' } }).catch(() => undefined);
      await api.POST('/v1/auth/logout').catch(() => undefined);
    },
    onSettled: () => {
      clearSession();
      forgetUser();
      queryClient.clear();
    },
  });
}
