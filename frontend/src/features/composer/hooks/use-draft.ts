import { useCallback, useState } from 'react';

/**
 * One draft per conversation, kept in sessionStorage: an agent who hops to another conversation
 * (or reloads) finds the half-written reply where they left it; a new tab starts clean.
 */
const key = (conversationId: string) => `hourglass.draft.${conversationId}`;

function load(conversationId: string): string {
  try {
    return sessionStorage.getItem(key(conversationId)) ?? '';
  } catch {
    return '';
  }
}

export function useDraft(conversationId: string) {
  const [state, setState] = useState(() => ({ id: conversationId, text: load(conversationId) }));
  // Switching conversations swaps the draft during render, without a flash of the old text.
  const current = state.id === conversationId ? state : { id: conversationId, text: load(conversationId) };
  if (current !== state) setState(current);

  const setText = useCallback(
    (text: string) => {
      setState({ id: conversationId, text });
      try {
        if (text) sessionStorage.setItem(key(conversationId), text);
        else sessionStorage.removeItem(key(conversationId));
      } catch {
        // Storage full or disabled: the draft lives in memory only.
      }
    },
    [conversationId],
  );
  return [current.text, setText] as const;
}
