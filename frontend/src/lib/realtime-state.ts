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

/** Someone typing a reply in a conversation, until `expiresAt` (epoch ms) unless they refresh it. */
export interface Typist {
  userId: string;
  name: string | null;
  expiresAt: number;
}

/** conversation id -> who is typing in it (the server broadcasts to everyone, us included). */
export const typing = createStore<ReadonlyMap<string, readonly Typist[]>>(new Map());

/**
 * A `typing` frame: `typing` adds or refreshes the typist until now + expiresInSeconds, `stopped`
 * removes them. Pure but for the store it updates; entries past their expiry are dropped on the way.
 */
export function applyTyping(
  conversationId: string,
  typist: { userId: string; name: string | null },
  state: 'typing' | 'stopped',
  expiresInSeconds: number,
  now: number = Date.now(),
): void {
  const others = (typing.get().get(conversationId) ?? []).filter((t) => t.userId !== typist.userId && t.expiresAt > now);
  const list = state === 'typing' && expiresInSeconds > 0 ? [...others, { ...typist, expiresAt: now + expiresInSeconds * 1000 }] : others;
  const next = new Map(typing.get());
  if (list.length === 0) next.delete(conversationId);
  else next.set(conversationId, list);
  typing.set(next);
}

/** Who is typing now, other than `selfId`, in name order. Pure. */
export function liveTypists(list: readonly Typist[], now: number, selfId: string | null | undefined): Typist[] {
  return list.filter((t) => t.expiresAt > now && t.userId !== selfId).sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}

/** A message for the server over the socket; dropped when it is not connected. */
export type OutgoingFrame =
  | { type: 'viewing' | 'left'; conversation_id: string }
  | { type: 'typing'; conversation_id: string; state: 'typing' | 'stopped' };

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

/** Tells the others this agent is typing (or stopped) in a conversation; the caller throttles. */
export function sendTyping(conversationId: string, state: 'typing' | 'stopped'): void {
  sender?.({ type: 'typing', conversation_id: conversationId, state });
}

/** The server relays a `typing` frame at most every 2 s per conversation; sending more is waste. */
export const TYPING_THROTTLE_MS = 2_000;

/** Whether a keystroke at `now` should send a `typing` frame, the last one having gone at `lastSent`. Pure. */
export function typingDue(lastSent: number | null, now: number): boolean {
  return lastSent === null || now - lastSent >= TYPING_THROTTLE_MS;
}
