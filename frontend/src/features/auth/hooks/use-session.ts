import { useSyncExternalStore } from 'react';
import { getSession, subscribeSession } from '@/lib/session';

export function useSession() {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}
