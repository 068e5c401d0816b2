import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { useReorder } from '@/hooks/use-reorder';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Policy = components['schemas']['PolicyRead'];
export type PolicyCreate = components['schemas']['PolicyCreate'];
export type PolicyFields = components['schemas']['PolicyFields'];
export type Calendar = components['schemas']['CalendarRead'];
export type CalendarCreate = components['schemas']['CalendarCreate'];
export type CalendarFields = components['schemas']['CalendarFields'];

export function usePolicies() {
  return useQuery({ queryKey: queryKeys.sla.policies, queryFn: ({ signal }) => unwrap(api.GET('/v1/sla/policies', { signal })) });
}

export function useCalendars() {
  return useQuery({ queryKey: queryKeys.sla.calendars, queryFn: ({ signal }) => unwrap(api.GET('/v1/sla/calendars', { signal })) });
}

export function useSavePolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: PolicyCreate }) =>
      id
        ? unwrap(api.PATCH('/v1/sla/policies/{policy_id}', { params: { path: { policy_id: id } }, body: body as PolicyFields }))
        : unwrap(api.POST('/v1/sla/policies', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sla.policies }),
  });
}

export function useTogglePolicy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, isActive }: { id: string; isActive: boolean }) =>
      unwrap(api.PATCH('/v1/sla/policies/{policy_id}', { params: { path: { policy_id: id } }, body: { is_active: isActive } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sla.policies }),
  });
}

/** A policy's position is part of its definition: each move makes a new version, as an edit does. */
export function useReorderPolicies() {
  return useReorder(
    (id, position) => unwrap(api.PATCH('/v1/sla/policies/{policy_id}', { params: { path: { policy_id: id } }, body: { position } })),
    queryKeys.sla.policies,
  );
}

export function useSaveCalendar() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: CalendarCreate }) =>
      id
        ? unwrap(api.PATCH('/v1/sla/calendars/{calendar_id}', { params: { path: { calendar_id: id } }, body }))
        : unwrap(api.POST('/v1/sla/calendars', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sla.calendars }),
  });
}
