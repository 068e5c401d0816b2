import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { useLive } from '@/hooks/use-realtime-state';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Notification = components['schemas']['NotificationRead'];

// Only while the socket is down: pushed `notification` frames refresh these otherwise.
const POLL_MS = 15_000;
export const LIST_LIMIT = 30;
export const UNREAD_LIMIT = 100;

export function useNotificationList(enabled: boolean) {
  const live = useLive();
  return useQuery({
    queryKey: queryKeys.notifications.list,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/notifications', { params: { query: { limit: LIST_LIMIT } }, signal })),
    enabled,
    refetchInterval: live ? false : POLL_MS,
    staleTime: 30_000,
  });
}

export function useUnreadNotifications(enabled: boolean) {
  const live = useLive();
  return useQuery({
    queryKey: queryKeys.notifications.unread,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/notifications', { params: { query: { unread: true, limit: UNREAD_LIMIT } }, signal })),
    enabled,
    refetchInterval: live ? false : POLL_MS,
    staleTime: 30_000,
  });
}

export function useMarkNotificationsRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (ids: readonly string[]) => {
      for (const id of ids) {
        await unwrap(api.POST('/v1/notifications/{notification_id}/read', { params: { path: { notification_id: id } } }));
      }
    },
    onMutate: (ids) => {
      // The bell empties at once; the refetch below confirms it.
      const read = new Date().toISOString();
      queryClient.setQueryData<Notification[]>(queryKeys.notifications.unread, (list) => list?.filter((n) => !ids.includes(n.id)));
      queryClient.setQueryData<Notification[]>(queryKeys.notifications.list, (list) =>
        list?.map((n) => (ids.includes(n.id) && !n.read_at ? { ...n, read_at: read } : n)),
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.notifications.all }),
  });
}

export function useMarkAllNotificationsRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/v1/notifications/read-all')),
    onMutate: () => {
      const read = new Date().toISOString();
      queryClient.setQueryData<Notification[]>(queryKeys.notifications.unread, () => []);
      queryClient.setQueryData<Notification[]>(queryKeys.notifications.list, (list) => list?.map((n) => (n.read_at ? n : { ...n, read_at: read })));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.notifications.all }),
  });
}

export type OverflowSettings = components['schemas']['OverflowSettingsRead'];

/** The overflow alert now (supervisors and admins): `overflow.*` frames refetch it while live. */
export function useOverflowStatus(enabled: boolean) {
  const live = useLive();
  return useQuery({
    queryKey: queryKeys.notifications.overflow,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/notifications/overflow', { signal })),
    enabled,
    refetchInterval: live ? 60_000 : POLL_MS,
  });
}

export function useOverflowSettings() {
  return useQuery({
    queryKey: queryKeys.notifications.overflowSettings,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/notifications/overflow-settings', { signal })),
  });
}

export function useSaveOverflowSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: OverflowSettings) => unwrap(api.PUT('/v1/notifications/overflow-settings', { body })),
    onSuccess: (saved) => queryClient.setQueryData(queryKeys.notifications.overflowSettings, saved),
  });
}
