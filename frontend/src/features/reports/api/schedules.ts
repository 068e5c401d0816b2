import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type ReportSchedule = components['schemas']['ReportScheduleRead'];
export type ReportScheduleCreate = components['schemas']['ReportScheduleCreate'];
export type ReportScheduleUpdate = components['schemas']['ReportScheduleUpdate'];

const KEY = ['reports', 'schedules'] as const;

export function useReportSchedules(enabled = true) {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => unwrap(api.GET('/v1/reports/schedules', { signal })), enabled });
}

export function useSaveReportSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: ReportScheduleCreate }) =>
      id
        ? unwrap(api.PATCH('/v1/reports/schedules/{schedule_id}', { params: { path: { schedule_id: id } }, body: body as ReportScheduleUpdate }))
        : unwrap(api.POST('/v1/reports/schedules', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteReportSchedule() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/reports/schedules/{schedule_id}', { params: { path: { schedule_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}
