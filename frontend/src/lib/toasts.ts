import type { IncomingNotice } from './notifications';

/** In-app notices (escalations): always shown, whether or not the browser allows notifications. */
export interface Toast {
  id: string;
  title: string;
  body: string;
  conversationId: string | null;
  tone: 'info' | 'warn' | 'danger';
  /** when set, the toast words it in the current UI language at render (title/body are the fallback) */
  notice?: IncomingNotice;
}

type Listener = () => void;
let toasts: readonly Toast[] = [];
const listeners = new Set<Listener>();
const MAX_TOASTS = 4;
const TOAST_TTL_MS = 15_000;

function emit() {
  listeners.forEach((l) => l());
}

export function pushToast(toast: Toast): void {
  if (toasts.some((t) => t.id === toast.id)) return;
  toasts = [...toasts, toast].slice(-MAX_TOASTS);
  emit();
  setTimeout(() => dismissToast(toast.id), TOAST_TTL_MS);
}

export function dismissToast(id: string): void {
  const next = toasts.filter((t) => t.id !== id);
  if (next.length !== toasts.length) {
    toasts = next;
    emit();
  }
}

export const toastStore = {
  get: () => toasts,
  subscribe(listener: Listener) {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};
