import { useCallback, useEffect, useRef } from 'react';
import { sendTyping, typingDue } from '@/lib/realtime-state';

/**
 * Tells colleagues "X is typing" over the socket while the agent writes: at most one frame per
 * throttle window on keystrokes, and `stopped` when the draft is emptied, sent, or the agent leaves.
 */
export function useTypingSignal(conversationId: string, now: () => number = Date.now) {
  const lastSent = useRef<number | null>(null);

  const stop = useCallback(() => {
    if (lastSent.current === null) return;
    lastSent.current = null;
    sendTyping(conversationId, 'stopped');
  }, [conversationId]);

  const typed = useCallback(
    (text: string) => {
      if (!text.trim()) {
        stop();
        return;
      }
      const at = now();
      if (!typingDue(lastSent.current, at)) return;
      lastSent.current = at;
      sendTyping(conversationId, 'typing');
    },
    [conversationId, now, stop],
  );

  // Leaving the conversation (or the page) ends the indicator at once rather than at its expiry.
  useEffect(() => stop, [stop]);
  return { typed, stop };
}
