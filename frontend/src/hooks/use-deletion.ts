import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';

export type Usage = components['schemas']['Usage'];
export type UsedBy = components['schemas']['UsedBy'];
export type Deletable = 'channel' | 'template' | 'rule' | 'policy' | 'calendar';

function usageOf(kind: Deletable, id: string): Promise<Usage> {
  if (kind === 'channel') return unwrap(api.GET('/v1/channels/{channel_id}/usage', { params: { path: { channel_id: id } } }));
  if (kind === 'template') return unwrap(api.GET('/v1/templates/{template_id}/usage', { params: { path: { template_id: id } } }));
  if (kind === 'rule') return unwrap(api.GET('/v1/automation/rules/{rule_id}/usage', { params: { path: { rule_id: id } } }));
  if (kind === 'calendar') return unwrap(api.GET('/v1/sla/calendars/{calendar_id}/usage', { params: { path: { calendar_id: id } } }));
  return unwrap(api.GET('/v1/sla/policies/{policy_id}/usage', { params: { path: { policy_id: id } } }));
}

async function remove(kind: Deletable, id: string): Promise<void> {
  if (kind === 'channel') await unwrap(api.DELETE('/v1/channels/{channel_id}', { params: { path: { channel_id: id } } }));
  else if (kind === 'template') await unwrap(api.DELETE('/v1/templates/{template_id}', { params: { path: { template_id: id } } }));
  else if (kind === 'rule') await unwrap(api.DELETE('/v1/automation/rules/{rule_id}', { params: { path: { rule_id: id } } }));
  else if (kind === 'calendar') await unwrap(api.DELETE('/v1/sla/calendars/{calendar_id}', { params: { path: { calendar_id: id } } }));
  else await unwrap(api.DELETE('/v1/sla/policies/{policy_id}', { params: { path: { policy_id: id } } }));
}

/** What uses a store, template, rule, policy or calendar (checked when the confirmation opens), and deleting it. */
export function useDeletion(kind: Deletable, id: string, invalidate: readonly unknown[]) {
  const queryClient = useQueryClient();
  const usage = useQuery({ queryKey: ['usage', kind, id], queryFn: () => usageOf(kind, id), staleTime: 0, gcTime: 0 });
  const deletion = useMutation({
    mutationFn: () => remove(kind, id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: invalidate }),
    onError: () => queryClient.invalidateQueries({ queryKey: ['usage', kind, id] }),
  });
  return { usage, deletion };
}
