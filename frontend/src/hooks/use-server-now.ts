import { useSyncExternalStore } from 'react';
import { subscribeTick, tickNow } from '@/lib/ticker';

/** The server's current time in epoch ms, re-rendering the caller once per second. */
export function useServerNow(): number {
  return useSyncExternalStore(subscribeTick, tickNow, tickNow);
}
