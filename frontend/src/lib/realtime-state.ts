/**
 * Shared state of the live connection, written by the realtime feature and read by any feature
 * (the inbox polls only while this says the socket is down; the workspace shows who else is viewing).
 */
export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface Viewer {
  userId: string;
  name: string | null;
}

type Listener = () => void;

function createStore<T>(initial: T) {
  let value = initial;
  const listeners = new Set<Listener>();
  return {
    get: () => value,
    set(next: T) {
      if (Object.is(next, value)) return;
      value = next;
      listeners.forEach((l) => l());
    },
    subscribe(listener: Listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

export const connectionStatus = createStore<ConnectionStatus>('closed');

/** conversation id -> who is viewing it (other than the current user; the server decides). */
export const presence = createStore<ReadonlyMap<string, readonly Viewer[]>>(new Map());

export function setViewers(conversationId: string, viewers: readonly Viewer[]): void {
  const next = new Map(presence.get());
  if (viewers.length === 0) next.delete(conversationId);
  else next.set(conversationId, viewers);
  presence.set(next);
}

/** A message for the server over the socket; dropped when it is not connected. */
export type OutgoingFrame = { type: 'viewing' | 'left'; conversation_id: string };

let sender: ((frame: OutgoingFrame) => void) | null = null;
let lastViewing: string | null = null;

export function registerSender(send: ((frame: OutgoingFrame) => void) | null): void {
  sender = send;
  // Re-announce after a reconnect so the others see us again.
  if (send && lastViewing) send({ type: 'viewing', conversation_id: lastViewing });
}

export function announceViewing(conversationId: string | null): void {
  if (lastViewing && lastViewing !== conversationId) sender?.({ type: 'left', conversation_id: lastViewing });
  lastViewing = conversationId;
  if (conversationId) sender?.({ type: 'viewing', conversation_id: conversationId });
}
