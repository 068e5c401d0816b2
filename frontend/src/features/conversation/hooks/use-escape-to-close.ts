import { useEffect, useRef } from 'react';

/** Something else owns Esc while it is open: a dialog (modal or popover) or a menu. */
function anotherLayerIsOpen(): boolean {
  return document.querySelector('[role="dialog"], [role="menu"]') !== null;
}

/**
 * Esc closes the open conversation (WCAG 2.1.1: everything reachable by keyboard can be left by
 * keyboard). In a text field the first Esc only leaves the field, so a draft is never closed by
 * accident; a dialog or an open popover takes Esc first.
 */
export function useEscapeToClose(onClose: () => void): void {
  const latest = useRef(onClose);
  latest.current = onClose;
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || anotherLayerIsOpen()) return;
      const target = e.target;
      if (target instanceof HTMLElement && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable)) {
        target.blur();
        return;
      }
      e.preventDefault();
      latest.current();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
