import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type CsatSettings = components['schemas']['CsatSettingsRead'];
export type CsatSettingsUpdate = components['schemas']['CsatSettingsUpdate'];
export type CsatRule = components['schemas']['CsatRuleRead'];
export type CsatForm = NonNullable<CsatSettingsUpdate['forms']>[string];

const SETTINGS = ['csat', 'settings'] as const;
const RULES = ['csat', 'rules'] as const;

export function useCsatSettings() {
  return useQuery({ queryKey: SETTINGS, queryFn: ({ signal }) => unwrap(api.GET('/v1/csat/settings', { signal })) });
}

export function useCsatRules() {
  return useQuery({ queryKey: RULES, queryFn: ({ signal }) => unwrap(api.GET('/v1/csat/rules', { signal })), staleTime: Infinity });
}

export function useSaveCsatSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CsatSettingsUpdate) => unwrap(api.PATCH('/v1/csat/settings', { body })),
    onSuccess: (saved) => queryClient.setQueryData(SETTINGS, saved),
  });
}
