import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import type { components } from '@/api/schema';
import { api, unwrap } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type User = components['schemas']['UserRead'];
export type Team = components['schemas']['TeamRead'];
export type Channel = components['schemas']['ChannelRead'];
export type Me = components['schemas']['Me'];

// People, teams and channels change rarely; a minute of staleness keeps filters and pickers cheap.
const DIRECTORY_STALE_MS = 60_000;

export const meQueryOptions = queryOptions({
  queryKey: queryKeys.me,
  queryFn: () => unwrap(api.GET('/v1/auth/me')),
  staleTime: 5 * 60_000,
});

export const usersQueryOptions = queryOptions({
  queryKey: queryKeys.users,
  queryFn: () => unwrap(api.GET('/v1/users')),
  staleTime: DIRECTORY_STALE_MS,
});

export const teamsQueryOptions = queryOptions({
  queryKey: queryKeys.teams,
  queryFn: () => unwrap(api.GET('/v1/teams')),
  staleTime: DIRECTORY_STALE_MS,
});

export const channelsQueryOptions = queryOptions({
  queryKey: queryKeys.channels,
  queryFn: async () => (await unwrap(api.GET('/v1/channels'))).items,
  staleTime: DIRECTORY_STALE_MS,
});

export const useMe = () => useQuery(meQueryOptions);
export const useUsers = () => useQuery(usersQueryOptions);
export const useTeams = () => useQuery(teamsQueryOptions);
export const useChannels = () => useQuery(channelsQueryOptions);

/** id -> user, for showing assignee names on thousands of rows without a search per row. */
export function useUserNames(): ReadonlyMap<string, string> {
  const { data } = useUsers();
  return useMemo(() => new Map((data ?? []).map((u) => [u.id, u.name])), [data]);
}

export function useChannelNames(): ReadonlyMap<string, string> {
  const { data } = useChannels();
  return useMemo(() => new Map((data ?? []).map((c) => [c.id, c.name])), [data]);
}

/**
 * A conversation can come from a store created after the channel list was loaded (an admin just
 * connected it): fetch the list again, once per unknown id, so its name and filter show up.
 */
export function useRefreshChannelsFor(channelIds: readonly string[]): void {
  const queryClient = useQueryClient();
  const { data } = useChannels();
  const asked = useRef(new Set<string>());
  useEffect(() => {
    if (!data) return;
    const known = new Set(data.map((c) => c.id));
    const missing = channelIds.filter((id) => !known.has(id) && !asked.current.has(id));
    if (missing.length === 0) return;
    missing.forEach((id) => asked.current.add(id));
    void queryClient.invalidateQueries({ queryKey: queryKeys.channels });
  }, [channelIds, data, queryClient]);
}
