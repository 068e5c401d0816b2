import { useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

/**
 * Templates: GET /v1/templates and POST /v1/templates/{id}/preview, which renders the template
 * with the conversation's real data and lints the result for its marketplace. A failure is an error
 * the picker shows (any status, 404 included): it never passes for "no templates".
 */
export type Template = components['schemas']['TemplateRead'];
type PreviewResponse = components['schemas']['Preview'];

export interface TemplatePreview {
  body: string;
  /** names of variables with no value for this conversation */
  missingVariables: string[];
  blocking: boolean;
  violations: PreviewResponse['violations'];
}

/** Warnings read "{{ship_eta}} has no value for this conversation.": keep the name, so the UI can say it in the agent's language. */
export function toPreview(response: PreviewResponse): TemplatePreview {
  return {
    body: response.text,
    missingVariables: response.warnings.map((w) => /\{\{\s*(\w+)\s*\}\}/.exec(w)?.[1] ?? w),
    blocking: response.blocking,
    violations: response.violations,
  };
}

export function useTemplates() {
  return useQuery({
    queryKey: queryKeys.templates.all,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates', { signal })),
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useTemplatePreview(templateId: string | null, conversationId: string) {
  return useQuery({
    queryKey: queryKeys.templates.preview(templateId ?? '', conversationId),
    queryFn: async ({ signal }) =>
      toPreview(
        await unwrap(
          api.POST('/v1/templates/{template_id}/preview', {
            params: { path: { template_id: templateId ?? '' } },
            body: { conversation_id: conversationId },
            signal,
          }),
        ),
      ),
    enabled: templateId !== null,
    staleTime: 30_000,
    retry: false,
  });
}
