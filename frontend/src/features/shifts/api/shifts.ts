import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Shift = components['schemas']['ShiftRead'];
export type ShiftCreate = components['schemas']['ShiftCreate'];
export type OnShift = components['schemas']['OnShiftRead'];
export type Coverage = components['schemas']['CoverageRead'];
export type CoverageHour = components['schemas']['CoverageHour'];

// Kept inside the feature: nothing outside it reads or invalidates rosters.
export const shiftKeys = {
  all: ['shifts'] as const,
  roster: (teamId: string) => ['shifts', 'roster', teamId] as const,
  board: ['shifts', 'now'] as const,
  coverage: (teamId: string) => ['shifts', 'coverage', teamId] as const,
};

export function useRoster(teamId: string | null) {
  return useQuery({
    queryKey: shiftKeys.roster(teamId ?? ''),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/shifts', { params: { query: { team_id: teamId ?? undefined } }, signal })),
    enabled: teamId !== null,
  });
}

/** Who is on shift now and everyone's next shift; a shift starts or ends on the minute. */
export function useBoard() {
  return useQuery({ queryKey: shiftKeys.board, queryFn: ({ signal }) => unwrap(api.GET('/v1/shifts/now', { signal })), refetchInterval: 60_000 });
}

export function useCoverage(teamId: string | null) {
  return useQuery({
    queryKey: shiftKeys.coverage(teamId ?? ''),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/shifts/coverage', { params: { query: { team_id: teamId ?? undefined, weeks: 4 } }, signal })),
    staleTime: 5 * 60_000,
  });
}

export function useCreateShift() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ShiftCreate) => unwrap(api.POST('/v1/shifts', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: shiftKeys.all }),
  });
}

export function useDeleteShift() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/shifts/{shift_id}', { params: { path: { shift_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: shiftKeys.all }),
  });
}

/** Tells the server this person is active; their status (set away by the idle rule) is read again. */
export function useReportActivity() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/v1/users/me/activity')),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.me });
      void queryClient.invalidateQueries({ queryKey: shiftKeys.board });
    },
  });
}
