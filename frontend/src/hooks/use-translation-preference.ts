import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type TranslationPreference = components['schemas']['PreferenceRead'];
const KEY = ['translation', 'preference'] as const;

/** The signed-in agent's reading language and whether buyer messages are translated automatically. */
export function useTranslationPreference() {
  return useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/translation/preference', { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useSetTranslationPreference() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TranslationPreference) => unwrap(api.PUT('/v1/translation/preference', { body })),
    onSuccess: (saved) => queryClient.setQueryData(KEY, saved),
  });
}

/** Whether two language codes name the same language (`zh` and `zh-CN`, `en` and `en-US`). */
export function sameLanguage(a: string | null | undefined, b: string | null | undefined): boolean {
  const base = (code: string | null | undefined) => (code ?? '').toLowerCase().split(/[-_]/)[0];
  return base(a) === base(b);
}
