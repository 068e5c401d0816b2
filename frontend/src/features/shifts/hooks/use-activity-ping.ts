import { useEffect, useRef } from 'react';
import { useReportActivity } from '../api/shifts';

// The server sets an on-shift agent away after 15 idle minutes (HOURGLASS_SHIFT_IDLE_MINUTES); a
// ping a minute while they work keeps them available at one request a minute, whatever they click.
export const PING_EVERY_MS = 60_000;
const EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Reports that the signed-in person is active: at once when the app opens or the tab comes back
 * into view, then at most once a minute while they use it. An idle or hidden tab sends nothing, so
 * the server's idle rule sets them away, and the first input afterwards brings them back.
 */
export function useActivityPing(enabled: boolean): void {
  const { mutate } = useReportActivity();
  const last = useRef(0);

  useEffect(() => {
    if (!enabled) return;
    const ping = (force = false) => {
      const now = Date.now();
      if (!force && now - last.current < PING_EVERY_MS) return;
      last.current = now;
      mutate();
    };
    const onInput = () => ping();
    const onVisible = () => {
      if (document.visibilityState === 'visible') ping();
    };
    ping(true);
    EVENTS.forEach((e) => window.addEventListener(e, onInput, { passive: true, capture: true }));
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      EVENTS.forEach((e) => window.removeEventListener(e, onInput, { capture: true }));
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [enabled, mutate]);
}
