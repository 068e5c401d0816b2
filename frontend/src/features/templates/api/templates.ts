import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Template = components['schemas']['TemplateRead'];
export type TemplateCreate = components['schemas']['TemplateCreate'];
export type Variable = components['schemas']['VariableInfo'];
export type Preview = components['schemas']['Preview'];

/** The whole library, inactive templates included (filtering happens in the browser: tens of rows). */
export function useTemplateLibrary() {
  return useQuery({
    queryKey: queryKeys.templates.library,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates', { params: { query: { include_inactive: true } }, signal })),
  });
}

export function useTemplateVariables() {
  return useQuery({
    queryKey: queryKeys.templates.variables,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates/variables', { signal })),
    staleTime: Infinity,
  });
}

export function useSaveTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: TemplateCreate }) =>
      id
        ? unwrap(api.PATCH('/v1/templates/{template_id}', { params: { path: { template_id: id } }, body }))
        : unwrap(api.POST('/v1/templates', { body })),
    // The composer's picker reads the same library.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.templates.all }),
  });
}

export function useToggleTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, isActive }: { id: string; isActive: boolean }) =>
      unwrap(api.PATCH('/v1/templates/{template_id}', { params: { path: { template_id: id } }, body: { is_active: isActive } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.templates.all }),
  });
}

/** The server's rendering of a saved template with a real conversation, and the compliance verdict. */
export function useServerPreview(templateId: string | null, conversationId: string | null, version: string) {
  return useQuery({
    queryKey: [...queryKeys.templates.preview(templateId ?? '', conversationId ?? ''), version],
    queryFn: ({ signal }) =>
      unwrap(
        api.POST('/v1/templates/{template_id}/preview', {
          params: { path: { template_id: templateId ?? '' } },
          body: { conversation_id: conversationId ?? '' },
          signal,
        }),
      ),
    enabled: templateId !== null && conversationId !== null,
    retry: false,
  });
}

/** Recent conversations to preview with. */
export function useRecentConversations() {
  return useQuery({
    queryKey: ['templates', 'sample-conversations'],
    queryFn: ({ signal }) => unwrap(api.GET('/v1/conversations', { params: { query: { limit: 20 } }, signal })),
    staleTime: 60_000,
  });
}

/** A machine-translated copy of a template, saved inactive for review (POST /v1/templates/{id}/translate). */
export function useTranslateTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, target }: { id: string; target: TemplateCreate['language'] & string }) =>
      unwrap(api.POST('/v1/templates/{template_id}/translate', { params: { path: { template_id: id } }, body: { target } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.templates.all }),
  });
}
