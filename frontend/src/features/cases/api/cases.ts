import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components, paths } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Case = components['schemas']['CaseRead'];
export type CaseDetail = components['schemas']['CaseDetail'];
export type CaseKind = Case['kind'];
export type CaseState = Case['state'];
export type CaseCreate = components['schemas']['CaseCreate'];
type ListQuery = NonNullable<paths['/v1/cases']['get']['parameters']['query']>;
type Marketplace = NonNullable<ListQuery['marketplace']>;

export interface CaseListFilters {
  scope: 'open' | 'all' | CaseState;
  kind?: CaseKind;
  marketplace?: string;
  min_age_hours?: number;
  sort: 'deadline' | 'created';
}

function listQuery(f: CaseListFilters): ListQuery {
  return {
    ...(f.scope === 'open' ? { open_only: true } : f.scope === 'all' ? {} : { state: [f.scope] }),
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.marketplace ? { marketplace: f.marketplace as Marketplace } : {}),
    ...(f.min_age_hours !== undefined ? { min_age_hours: f.min_age_hours } : {}),
    sort: f.sort,
    limit: 100,
  };
}

export function useCases(filters: CaseListFilters) {
  return useQuery({
    queryKey: queryKeys.cases.list(filters),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/cases', { params: { query: listQuery(filters) }, signal })),
    refetchInterval: 15_000,
  });
}

export function useConversationCases(conversationId: string) {
  return useQuery({
    queryKey: queryKeys.cases.ofConversation(conversationId),
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET('/v1/cases', { params: { query: { conversation_id: conversationId, limit: 20 } }, signal }))).items,
  });
}

export function useCase(caseId: string | null) {
  return useQuery({
    queryKey: queryKeys.cases.detail(caseId ?? ''),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/cases/{case_id}', { params: { path: { case_id: caseId ?? '' } }, signal })),
    enabled: caseId !== null,
  });
}

export function useOpenCase() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CaseCreate) => unwrap(api.POST('/v1/cases', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.cases.all }),
  });
}

export type CaseUpdate = components['schemas']['CaseUpdate'];

/** Link or unlink a case's files: `attachment_ids` (the whole list) or `attach_conversation_images`. */
export function useUpdateCaseAttachments() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Pick<CaseUpdate, 'attachment_ids' | 'attach_conversation_images'> }) =>
      unwrap(api.PATCH('/v1/cases/{case_id}', { params: { path: { case_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.cases.all }),
  });
}

export function useTransitionCase() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, to, reason }: { id: string; to: CaseState; reason: string }) =>
      unwrap(api.POST('/v1/cases/{case_id}/transitions', { params: { path: { case_id: id } }, body: { to, reason } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.cases.all }),
  });
}

export type CaseSettings = components['schemas']['CaseSettingsRead'];
export type CaseSettingsUpdate = components['schemas']['CaseSettingsUpdate'];

export function useCaseSettings() {
  return useQuery({ queryKey: queryKeys.cases.settings, queryFn: ({ signal }) => unwrap(api.GET('/v1/cases/settings', { signal })) });
}

export function useUpdateCaseSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CaseSettingsUpdate) => unwrap(api.PATCH('/v1/cases/settings', { body })),
    onSuccess: (data) => queryClient.setQueryData(queryKeys.cases.settings, data),
  });
}

/** Active templates to pick the follow-up from. */
export function useTemplateChoices() {
  return useQuery({
    queryKey: queryKeys.cases.templateChoices,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/templates', { signal })),
    staleTime: 60_000,
  });
}
