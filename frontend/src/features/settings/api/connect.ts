import { useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';

/** Which marketplaces this Hourglass connects through their own consent page. */
export function useConnectOptions() {
  return useQuery({
    queryKey: ['channels', 'connect-options'],
    queryFn: () => unwrap(api.GET('/v1/channels/connect')),
    staleTime: 60_000,
  });
}

/** Starts the consent flow; the browser then goes to the marketplace's page. */
export function useStartConnect() {
  return useMutation({
    mutationFn: (marketplace: string) =>
      unwrap(api.POST('/v1/channels/connect/{marketplace}/start', { params: { path: { marketplace } } })),
  });
}
