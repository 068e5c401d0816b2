import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { invalidateInbox } from '@/lib/conversation-cache';
import { queryKeys } from '@/lib/query-keys';

export type Macro = components['schemas']['MacroRead'];
export type MacroCreate = components['schemas']['MacroCreate'];
export type MacroActions = components['schemas']['MacroActions'];
export type MacroPreview = components['schemas']['MacroPreview'];
export type FieldChange = components['schemas']['FieldChange'];

const KEY = ['macros'] as const;

export function useMacros() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => unwrap(api.GET('/v1/macros', { signal })) });
}

/** The template library, for the reply a macro sends (active templates only). */
export function useTemplateChoices() {
  return useQuery({
    queryKey: ['macros', 'templates'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates', { signal })),
    select: (rows) => rows.filter((row) => row.is_active),
  });
}

export function useSaveMacro() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: MacroCreate }) =>
      unwrap(
        id
          ? api.PATCH('/v1/macros/{macro_id}', { params: { path: { macro_id: id } }, body: { ...body, team_id: body.team_id ?? null } })
          : api.POST('/v1/macros', { body }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteMacro() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/macros/{macro_id}', { params: { path: { macro_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

/** What the macro would change on this conversation; never cached (the conversation moves on). */
export function useMacroPreview(conversationId: string, macroId: string | null) {
  return useQuery({
    queryKey: ['macros', 'preview', conversationId, macroId] as const,
    enabled: macroId !== null,
    gcTime: 0,
    staleTime: 0,
    queryFn: ({ signal }) =>
      unwrap(
        api.POST('/v1/conversations/{conversation_id}/macros/{macro_id}/preview', {
          params: { path: { conversation_id: conversationId, macro_id: macroId ?? '' } },
          signal,
        }),
      ),
  });
}

export function useApplyMacro(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (macroId: string) =>
      unwrap(
        api.POST('/v1/conversations/{conversation_id}/macros/{macro_id}/apply', {
          params: { path: { conversation_id: conversationId, macro_id: macroId } },
        }),
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(conversationId) });
      void invalidateInbox(queryClient);
    },
  });
}
