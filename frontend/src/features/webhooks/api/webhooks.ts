import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Endpoint = components['schemas']['WebhookEndpointRead'];
export type EndpointCreate = components['schemas']['WebhookEndpointCreate'];
export type EndpointUpdate = components['schemas']['WebhookEndpointUpdate'];
export type Delivery = components['schemas']['WebhookDeliveryRead'];
export type DeliveryStatus = Delivery['status'];
export type ReplayRange = components['schemas']['ReplayRange'];

const path = (endpointId: string) => ({ params: { path: { endpoint_id: endpointId } } });

export function useEndpoints() {
  return useQuery({ queryKey: queryKeys.webhooks.list, queryFn: async ({ signal }) => (await unwrap(api.GET('/v1/webhooks', { signal }))).items, refetchInterval: 15_000 });
}

export function useEventTypes() {
  return useQuery({ queryKey: queryKeys.webhooks.eventTypes, queryFn: ({ signal }) => unwrap(api.GET('/v1/webhooks/event-types', { signal })), staleTime: Infinity });
}

export function useCreateEndpoint() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: EndpointCreate) => unwrap(api.POST('/v1/webhooks', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.list }),
  });
}

export function useUpdateEndpoint() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: EndpointUpdate }) => unwrap(api.PATCH('/v1/webhooks/{endpoint_id}', { ...path(id), body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all }),
  });
}

export function useDeleteEndpoint() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/v1/webhooks/{endpoint_id}', path(id))),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.list }),
  });
}

export function useRotateSecret() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/v1/webhooks/{endpoint_id}/rotate-secret', path(id))),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.list }),
  });
}

export function useTestEndpoint() {
  return useMutation({ mutationFn: (id: string) => unwrap(api.POST('/v1/webhooks/{endpoint_id}/test', path(id))) });
}

export function useDeliveries(endpointId: string | null, status: DeliveryStatus | null) {
  return useQuery({
    queryKey: queryKeys.webhooks.deliveries(endpointId ?? '', status),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/webhooks/{endpoint_id}/deliveries', { params: { path: { endpoint_id: endpointId ?? '' }, query: { limit: 50, ...(status ? { status } : {}) } }, signal })),
    enabled: endpointId !== null,
    refetchInterval: 5_000,
  });
}

export function useDelivery(endpointId: string, deliveryId: string | null) {
  return useQuery({
    queryKey: queryKeys.webhooks.delivery(endpointId, deliveryId ?? ''),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}', { params: { path: { endpoint_id: endpointId, delivery_id: deliveryId ?? '' } }, signal })),
    enabled: deliveryId !== null,
    refetchInterval: 5_000,
  });
}

export function useReplayDelivery() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ endpointId, deliveryId }: { endpointId: string; deliveryId: string }) =>
      unwrap(api.POST('/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay', { params: { path: { endpoint_id: endpointId, delivery_id: deliveryId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all }),
  });
}

export function useReplayRange() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ endpointId, body }: { endpointId: string; body: ReplayRange }) => unwrap(api.POST('/v1/webhooks/{endpoint_id}/replay', { ...path(endpointId), body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all }),
  });
}
