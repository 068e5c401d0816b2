import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type ApiKey = components['schemas']['ApiKeyRead'];
export type ApiKeyCreate = components['schemas']['ApiKeyCreate'];

export function useApiKeys() {
  return useQuery({ queryKey: queryKeys.apiKeys, queryFn: ({ signal }) => unwrap(api.GET('/v1/api-keys', { signal })) });
}

/** scope -> what it allows, from the server. */
export function useScopes() {
  return useQuery({
    queryKey: queryKeys.scopes,
    queryFn: ({ signal }) => unwrap(api.GET('/v1/auth/scopes', { signal })),
    staleTime: Infinity,
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiKeyCreate) => unwrap(api.POST('/v1/api-keys', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/v1/api-keys/{api_key_id}/revoke', { params: { path: { api_key_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys }),
  });
}
