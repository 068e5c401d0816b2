import { useMutation, useQuery } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type ConnectionTest = components['schemas']['ConnectionTest'];
export type ConnectionCheck = components['schemas']['ConnectionCheck'];
export type ChannelTest = components['schemas']['ChannelTest'];

/** Which marketplaces this Hourglass connects through their own consent page. */
export function useConnectOptions() {
  return useQuery({
    queryKey: ['channels', 'connect-options'],
    queryFn: () => unwrap(api.GET('/v1/channels/connect')),
    staleTime: 60_000,
  });
}

/**
 * Starts the consent flow; the browser then goes to the marketplace's page. `channelId` authorizes
 * an existing channel (Amazon SP-API on the relay channel, or reconnecting a store).
 */
export function useStartConnect() {
  return useMutation({
    mutationFn: ({ marketplace, channelId }: { marketplace: string; channelId?: string }) =>
      unwrap(
        api.POST('/v1/channels/connect/{marketplace}/start', {
          params: { path: { marketplace }, query: channelId ? { channel_id: channelId } : {} },
        }),
      ),
  });
}

/** "Test connection": the typed values (nothing saved), or a saved channel's stored ones. */
export function useTestConnection() {
  return useMutation({
    mutationFn: ({ channelId, body }: { channelId?: string; body?: ChannelTest }) =>
      channelId
        ? unwrap(api.POST('/v1/channels/{channel_id}/test', { params: { path: { channel_id: channelId } } }))
        : unwrap(api.POST('/v1/channels/test', { body: body as ChannelTest })),
  });
}
