import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type PrivacySettings = components['schemas']['PrivacySettingsRead'];
export type PrivacySettingsUpdate = components['schemas']['PrivacySettingsUpdate'];
export type MaskableRole = PrivacySettings['masked_roles'][number];
export const MASKABLE_ROLES: readonly MaskableRole[] = ['agent', 'supervisor'];

const SETTINGS = ['privacy', 'settings'] as const;

export function usePrivacySettings() {
  return useQuery({ queryKey: SETTINGS, queryFn: ({ signal }) => unwrap(api.GET('/v1/privacy/settings', { signal })) });
}

export function useSavePrivacySettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PrivacySettingsUpdate) => unwrap(api.PUT('/v1/privacy/settings', { body })),
    // Masking changes what every customer and conversation read returns.
    onSuccess: (saved) => {
      queryClient.setQueryData(SETTINGS, saved);
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== SETTINGS[0] });
    },
  });
}
