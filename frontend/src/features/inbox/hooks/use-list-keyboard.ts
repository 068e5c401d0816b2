import { useEffect, useRef } from 'react';

/** Keys typed into a field belong to the field, not to the list. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

interface ListKeyboardOptions {
  count: number;
  /** -1 when no row has the cursor yet */
  cursor: number;
  setCursor: (index: number) => void;
  onOpen: (index: number) => void;
}

/** j/k or ↓/↑ move the list cursor, Enter opens the conversation under it (as in Gmail and Front). */
export function useListKeyboard({ count, cursor, setCursor, onOpen }: ListKeyboardOptions): void {
  // The latest values in a ref: the listener is installed once instead of on every render.
  const state = useRef({ count, cursor, setCursor, onOpen });
  state.current = { count, cursor, setCursor, onOpen };

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target)) return;
      const { count: n, cursor: at, setCursor: move, onOpen: open } = state.current;
      if (n === 0) return;
      if (e.key === 'j' || e.key === 'ArrowDown') {
        e.preventDefault();
        move(Math.min(n - 1, at + 1));
      } else if (e.key === 'k' || e.key === 'ArrowUp') {
        e.preventDefault();
        move(Math.max(0, at - 1));
      } else if (e.key === 'Enter' && at >= 0 && !(e.target instanceof HTMLButtonElement || e.target instanceof HTMLAnchorElement)) {
        e.preventDefault();
        open(at);
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
