import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { useLive } from '@/hooks/use-realtime-state';
import { useReorder } from '@/hooks/use-reorder';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type AutoReplyRule = components['schemas']['AutoReplyRuleRead'];
export type AutoReplyRuleCreate = components['schemas']['AutoReplyRuleCreate'];
export type AutomationRun = components['schemas']['AutomationRunRead'];
export type AssignmentRule = components['schemas']['AssignmentRuleRead'];
export type AssignmentRuleCreate = components['schemas']['AssignmentRuleCreate'];
export type TeamUpdate = components['schemas']['TeamUpdate'];

export function useAutoReplyRules() {
  return useQuery({ queryKey: queryKeys.automation.rules, queryFn: ({ signal }) => unwrap(api.GET('/v1/automation/rules', { signal })) });
}

export function useSaveAutoReplyRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: AutoReplyRuleCreate }) =>
      id
        ? unwrap(api.PATCH('/v1/automation/rules/{rule_id}', { params: { path: { rule_id: id } }, body }))
        : unwrap(api.POST('/v1/automation/rules', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.automation.rules }),
  });
}

export function useToggleAutoReplyRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, isActive }: { id: string; isActive: boolean }) =>
      unwrap(api.PATCH('/v1/automation/rules/{rule_id}', { params: { path: { rule_id: id } }, body: { is_active: isActive } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.automation.rules }),
  });
}

export function useReorderAutoReplyRules() {
  return useReorder(
    (id, position) => unwrap(api.PATCH('/v1/automation/rules/{rule_id}', { params: { path: { rule_id: id } }, body: { position } })),
    queryKeys.automation.rules,
  );
}

/** Fired and suppressed runs with their reasons, newest first. */
export function useAutomationRuns(ruleId: string | null) {
  const live = useLive();
  return useQuery({
    queryKey: queryKeys.automation.runs(ruleId),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/automation/runs', { params: { query: { limit: 100, ...(ruleId ? { rule_id: ruleId } : {}) } }, signal })),
    refetchInterval: live ? 5_000 : 10_000,
  });
}

export function useAssignmentRules() {
  return useQuery({ queryKey: queryKeys.assignment.rules, queryFn: ({ signal }) => unwrap(api.GET('/v1/assignment/rules', { signal })) });
}

export function useSaveAssignmentRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: AssignmentRuleCreate }) =>
      id
        ? unwrap(api.PATCH('/v1/assignment/rules/{rule_id}', { params: { path: { rule_id: id } }, body }))
        : unwrap(api.POST('/v1/assignment/rules', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.assignment.rules }),
  });
}

export function useToggleAssignmentRule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, isActive }: { id: string; isActive: boolean }) =>
      unwrap(api.PATCH('/v1/assignment/rules/{rule_id}', { params: { path: { rule_id: id } }, body: { is_active: isActive } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.assignment.rules }),
  });
}

export function useReorderAssignmentRules() {
  return useReorder(
    (id, position) => unwrap(api.PATCH('/v1/assignment/rules/{rule_id}', { params: { path: { rule_id: id } }, body: { position } })),
    queryKeys.assignment.rules,
  );
}

export function useUpdateTeam() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: TeamUpdate }) => unwrap(api.PATCH('/v1/teams/{team_id}', { params: { path: { team_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.teams }),
  });
}

export function useCreateTeam() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: components['schemas']['TeamCreate']) => unwrap(api.POST('/v1/teams', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.teams }),
  });
}

/** Active templates, for "send template" actions. */
export function useActionTemplates() {
  return useQuery({ queryKey: queryKeys.templates.all, queryFn: ({ signal }) => unwrap(api.GET('/v1/templates', { signal })), staleTime: 60_000 });
}

export function useCalendarOptions() {
  return useQuery({ queryKey: queryKeys.sla.calendars, queryFn: ({ signal }) => unwrap(api.GET('/v1/sla/calendars', { signal })) });
}
