import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { applyUserLocale } from '@/lib/i18n';
import { setSession } from '@/lib/session';

type LoginRequest = components['schemas']['LoginRequest'];

export const login = (body: LoginRequest) => unwrap(api.POST('/v1/auth/login', { body }));

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (result) => {
      // A different agent may log in on this browser: nothing cached for the last one may show.
      queryClient.clear();
      setSession({ token: result.token, expiresAt: result.expires_at, userId: result.user.id });
      applyUserLocale(result.user.id, result.user.locale);
    },
  });
}
