import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type Customer = components['schemas']['CustomerRead'];
export type CustomerDetail = components['schemas']['CustomerDetail'];
export type CustomerUpdate = components['schemas']['CustomerUpdate'];
export type Tier = Customer['tier'];
export const TIERS: readonly Tier[] = ['high_value', 'potential', 'standard', 'new', 'low_activity', 'at_risk'];

export function useCustomers(q: string, tier: string) {
  return useQuery({
    queryKey: queryKeys.customers.list(q, tier),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/v1/customers', {
          params: { query: { q: q || null, tier: (TIERS.find((x) => x === tier) ?? null) as Tier | null, limit: 100 } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useCustomer(id: string | null) {
  return useQuery({
    queryKey: queryKeys.customers.detail(id ?? ''),
    queryFn: ({ signal }) => unwrap(api.GET('/v1/customers/{customer_id}', { params: { path: { customer_id: id ?? '' } }, signal })),
    enabled: id !== null,
  });
}

function useRefresh() {
  const queryClient = useQueryClient();
  return () => void queryClient.invalidateQueries({ queryKey: queryKeys.customers.all });
}

export function useUpdateCustomer(id: string) {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (body: CustomerUpdate) =>
      unwrap(api.PATCH('/v1/customers/{customer_id}', { params: { path: { customer_id: id } }, body })),
    onSuccess: refresh,
  });
}

export function useMergeCustomers(id: string) {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (others: string[]) =>
      unwrap(
        api.POST('/v1/customers/{customer_id}/merge', {
          params: { path: { customer_id: id } },
          body: { customer_ids: others },
        }),
      ),
    onSuccess: refresh,
  });
}

export function useUnmergeCustomer() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (identityId: string) =>
      unwrap(api.POST('/v1/customers/{customer_id}/unmerge', { params: { path: { customer_id: identityId } } })),
    onSuccess: refresh,
  });
}

export function useEraseCustomer(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (force: boolean) =>
      unwrap(api.POST('/v1/customers/{customer_id}/erasure', { params: { path: { customer_id: id } }, body: { force } })),
    // The buyer's name and text also show in conversation lists and threads.
    onSuccess: () => void queryClient.invalidateQueries(),
  });
}
