/**
 * Replies written while offline: kept in localStorage per user (a reload or a closed laptop keeps
 * them), shown in their conversation as queued, and sent when the browser is back online.
 *
 * Each is sent exactly once: its idempotency key is chosen when it is queued and kept for every
 * attempt, so a reply whose request reached the server but whose answer was lost is replayed by the
 * server (`Idempotency-Key`), not sent twice; it leaves the queue only once the server answered. A
 * network failure puts it back in the queue; a refusal (4xx) marks it failed with the server's words.
 */
import { ApiError } from '@/lib/problem';

export interface QueuedReply {
  /** Also the idempotency key of every attempt. */
  id: string;
  conversationId: string;
  body: string;
  templateId: string | null;
  original: { text: string; language: string } | null;
  resolve: boolean;
  queuedAt: string;
  state: 'queued' | 'sending' | 'failed';
  error: string | null;
}

export type SendQueued = (reply: QueuedReply) => Promise<unknown>;

const PREFIX = 'hourglass.outbox.';
const keyOf = (userId: string) => `${PREFIX}${userId}`;

type Listener = () => void;
const listeners = new Set<Listener>();
const snapshots = new Map<string, readonly QueuedReply[]>();
const EMPTY: readonly QueuedReply[] = [];

function isReply(v: unknown): v is QueuedReply {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r['id'] === 'string' && typeof r['conversationId'] === 'string' && typeof r['body'] === 'string';
}

function read(userId: string): readonly QueuedReply[] {
  try {
    const raw = localStorage.getItem(keyOf(userId));
    if (!raw) return EMPTY;
    const parsed: unknown = JSON.parse(raw);
    // A reply left "sending" by a closed tab goes again, with the same key: the server replays it if it had arrived.
    return Array.isArray(parsed) ? parsed.filter(isReply).map((r) => (r.state === 'sending' ? { ...r, state: 'queued' as const } : r)) : EMPTY;
  } catch {
    return EMPTY;
  }
}

function write(userId: string, list: readonly QueuedReply[]): void {
  snapshots.set(userId, list);
  try {
    if (list.length === 0) localStorage.removeItem(keyOf(userId));
    else localStorage.setItem(keyOf(userId), JSON.stringify(list));
  } catch {
    // Storage full or unavailable: the queue still lives in this tab.
  }
  listeners.forEach((l) => l());
}

export function queuedReplies(userId: string | null): readonly QueuedReply[] {
  if (!userId) return EMPTY;
  let list = snapshots.get(userId);
  if (!list) {
    list = read(userId);
    snapshots.set(userId, list);
  }
  return list;
}

export function subscribeQueue(listener: Listener): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    // Another tab of the same user changed the queue.
    if (e.key?.startsWith(PREFIX)) {
      snapshots.delete(e.key.slice(PREFIX.length));
      listener();
    }
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function enqueueReply(userId: string, reply: Omit<QueuedReply, 'queuedAt' | 'state' | 'error'>): QueuedReply {
  const item: QueuedReply = { ...reply, queuedAt: new Date().toISOString(), state: 'queued', error: null };
  write(userId, [...queuedReplies(userId).filter((r) => r.id !== item.id), item]);
  return item;
}

function patch(userId: string, id: string, change: Partial<QueuedReply> | null): void {
  const list = queuedReplies(userId);
  write(userId, change === null ? list.filter((r) => r.id !== id) : list.map((r) => (r.id === id ? { ...r, ...change } : r)));
}

export function discardReply(userId: string, id: string): void {
  patch(userId, id, null);
}

/** A failure that says nothing about the reply: the network, a server that is down, or the same key still in flight. */
function transient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

let flushing = false;

/**
 * Send the queued replies, oldest first, one at a time. Stops at the first network failure (still
 * offline): that reply and the rest stay queued. Returns how many went out.
 */
export async function flushQueue(userId: string, send: SendQueued): Promise<number> {
  if (flushing) return 0;
  flushing = true;
  let sent = 0;
  try {
    for (const reply of queuedReplies(userId)) {
      if (reply.state !== 'queued') continue;
      patch(userId, reply.id, { state: 'sending' });
      try {
        await send(reply);
        patch(userId, reply.id, null);
        sent += 1;
      } catch (error) {
        if (transient(error)) {
          patch(userId, reply.id, { state: 'queued' });
          break;
        }
        patch(userId, reply.id, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    flushing = false;
  }
  return sent;
}

/** For tests: forget what this tab cached. */
export function resetQueueCache(): void {
  snapshots.clear();
}
