import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

/** Lints a draft as a reply in this conversation; nothing is stored server-side. */
export function useComplianceCheck(conversationId: string, text: string) {
  return useQuery({
    queryKey: ['compliance', conversationId, text] as const,
    // The checked text travels with the verdict: violation offsets only make sense against it.
    queryFn: async ({ signal }) => ({
      text,
      ...(await unwrap(api.POST('/v1/compliance/check', { body: { text, conversation_id: conversationId }, signal }))),
    }),
    enabled: text.trim().length > 0,
    // The verdict for a given text never changes while the draft is open.
    staleTime: Infinity,
    gcTime: 60_000,
    // Keep the last verdict on screen while the next one loads, so highlights do not flicker.
    placeholderData: keepPreviousData,
    retry: false,
  });
}
