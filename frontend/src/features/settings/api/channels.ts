import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { channelsQueryOptions } from '@/hooks/use-directory';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type ChannelCreate = components['schemas']['ChannelCreate'];
export type ChannelUpdate = components['schemas']['ChannelUpdate'];
export type Channel = components['schemas']['ChannelRead'];

/** The channel list with its sync status, refreshed every few seconds while the page is open. */
export function useChannelsWithSync() {
  return useQuery({ ...channelsQueryOptions, refetchInterval: 10_000, staleTime: 5_000 });
}

export function useCreateChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ChannelCreate) => unwrap(api.POST('/v1/channels', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.channels }),
  });
}

export function useUpdateChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: ChannelUpdate }) =>
      unwrap(api.PATCH('/v1/channels/{channel_id}', { params: { path: { channel_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.channels }),
  });
}

export function useSyncChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/v1/channels/{channel_id}/sync', { params: { path: { channel_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.channels }),
  });
}

export function useDisableChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/v1/channels/{channel_id}/disable', { params: { path: { channel_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.channels }),
  });
}
