// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '@/lib/problem';
import { discardReply, enqueueReply, flushQueue, queuedReplies, resetQueueCache, type QueuedReply } from './offline-queue';

const reply = (id: string, conversationId = 'c1') => ({ id, conversationId, body: `reply ${id}`, templateId: null, original: null, resolve: false });

describe('offline reply queue', () => {
  beforeEach(() => {
    localStorage.clear();
    resetQueueCache();
  });

  it('persists per user in localStorage and survives a reload', () => {
    enqueueReply('u1', reply('k1'));
    enqueueReply('u2', reply('k2'));
    resetQueueCache(); // a new page
    expect(queuedReplies('u1').map((r) => [r.id, r.state])).toEqual([['k1', 'queued']]);
    expect(queuedReplies('u2').map((r) => r.id)).toEqual(['k2']);
    expect(queuedReplies(null)).toEqual([]);
    expect(JSON.parse(localStorage.getItem('hourglass.outbox.u1') ?? '[]')).toHaveLength(1);
  });

  it('sends each reply once, oldest first, with its own key, and empties the queue', async () => {
    enqueueReply('u1', reply('k1'));
    enqueueReply('u1', reply('k2', 'c2'));
    const send = vi.fn(async (_r: QueuedReply) => undefined);
    expect(await flushQueue('u1', send)).toBe(2);
    expect(send.mock.calls.map(([r]) => r.id)).toEqual(['k1', 'k2']);
    expect(queuedReplies('u1')).toEqual([]);
    expect(localStorage.getItem('hourglass.outbox.u1')).toBeNull();
    // Nothing left: a second flush sends nothing again.
    expect(await flushQueue('u1', send)).toBe(0);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('a network failure keeps the reply (and those after it) queued with the same key', async () => {
    enqueueReply('u1', reply('k1'));
    enqueueReply('u1', reply('k2'));
    const offline = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await flushQueue('u1', offline)).toBe(0);
    expect(offline).toHaveBeenCalledTimes(1);
    expect(queuedReplies('u1').map((r) => [r.id, r.state])).toEqual([
      ['k1', 'queued'],
      ['k2', 'queued'],
    ]);
    const keys: string[] = [];
    await flushQueue('u1', async (r) => {
      keys.push(r.id);
    });
    expect(keys).toEqual(['k1', 'k2']);
  });

  it('a refusal marks the reply failed with the server’s words and goes on with the next', async () => {
    enqueueReply('u1', reply('k1'));
    enqueueReply('u1', reply('k2'));
    const send = vi.fn(async (r: QueuedReply) => {
      if (r.id === 'k1') throw new ApiError(422, { type: 'about:blank', title: 'Refused', status: 422, detail: 'The reply contains a link.' } as never);
    });
    expect(await flushQueue('u1', send)).toBe(1);
    expect(queuedReplies('u1').map((r) => [r.id, r.state, r.error])).toEqual([['k1', 'failed', 'The reply contains a link.']]);
    // Failed replies are not retried by themselves; the agent discards (or rewrites) them.
    await flushQueue('u1', send);
    expect(send).toHaveBeenCalledTimes(2);
    discardReply('u1', 'k1');
    expect(queuedReplies('u1')).toEqual([]);
  });

  it('a server error or a key still in flight is retried later, not failed', async () => {
    enqueueReply('u1', reply('k1'));
    await flushQueue('u1', async () => {
      throw new ApiError(409, null);
    });
    await flushQueue('u1', async () => {
      throw new ApiError(503, null);
    });
    expect(queuedReplies('u1').map((r) => r.state)).toEqual(['queued']);
  });

  it('two flushes at once send a reply once', async () => {
    enqueueReply('u1', reply('k1'));
    let release: () => void = () => undefined;
    const send = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const first = flushQueue('u1', send);
    const second = flushQueue('u1', send);
    expect(await second).toBe(0);
    release();
    expect(await first).toBe(1);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('a reply left "sending" by a closed tab is sent again with the same key', async () => {
    localStorage.setItem('hourglass.outbox.u1', JSON.stringify([{ ...reply('k1'), queuedAt: '2026-12-06T00:00:00Z', state: 'sending', error: null }]));
    const send = vi.fn(async (_r: QueuedReply) => undefined);
    expect(await flushQueue('u1', send)).toBe(1);
    expect(send.mock.calls[0]?.[0].id).toBe('k1');
  });
});
