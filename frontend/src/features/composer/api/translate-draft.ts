import { useMutation, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type DraftTranslation = components['schemas']['DraftTranslationRead'];

/** The draft in the buyer's language (English on Walmart), with the linter's verdict on that text. */
export function useTranslateDraft(conversationId: string) {
  return useMutation({
    mutationFn: (text: string) =>
      unwrap(
        api.POST('/v1/conversations/{conversation_id}/translate-draft', {
          params: { path: { conversation_id: conversationId } },
          body: { text },
        }),
      ),
  });
}

/** Whether translation can run at all this month: the composer says so before the agent writes. */
export function useTranslationAvailability(enabled: boolean) {
  return useQuery({
    queryKey: ['translation', 'settings'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/translation/settings', { signal })),
    enabled,
    staleTime: 60_000,
  });
}
