import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, parseFrame, RealtimeConnection, socketUrl, type SocketLike } from './connection';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readyState = 0;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(value: object) {
    this.onmessage?.({ data: JSON.stringify(value) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const frames: string[] = [];
  const statuses: string[] = [];
  const onResync = vi.fn();
  const connection = new RealtimeConnection({
    url: (since) => `ws://h/v1/ws?token=t${since === null ? '' : `&since=${since}`}`,
    onFrame: (f) => frames.push(`${f.type}:${f.seq}`),
    onStatus: (s) => statuses.push(s),
    onResync,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => undefined,
    random: () => 1,
  });
  return { connection, sockets, timers, frames, statuses, onResync };
}

describe('parseFrame', () => {
  it('reads the announced frame shape', () => {
    expect(parseFrame('{"type":"sla.updated","seq":7,"server_time":"2026-11-23T12:00:00Z","data":{"conversation_id":"c"}}')).toEqual({
      type: 'sla.updated',
      seq: 7,
      serverTime: '2026-11-23T12:00:00Z',
      data: { conversation_id: 'c' },
    });
  });
  it('accepts frames without seq or data ({"type":"reconnect"})', () => {
    expect(parseFrame('{"type":"reconnect"}')).toEqual({ type: 'reconnect', seq: null, serverTime: null, data: {} });
  });
  it('drops what is not a frame', () => {
    expect(parseFrame('not json')).toBeNull();
    expect(parseFrame('{"seq":1}')).toBeNull();
    expect(parseFrame(42)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s up to a 30 s cap, with jitter in [50 %, 100 %]', () => {
    expect(backoffDelay(0, () => 1)).toBe(1_000);
    expect(backoffDelay(3, () => 1)).toBe(8_000);
    expect(backoffDelay(10, () => 1)).toBe(30_000);
    expect(backoffDelay(10, () => 0)).toBe(15_000);
    expect(backoffDelay(1, () => 0.5)).toBe(1_500);
  });
});

describe('socketUrl', () => {
  it('uses wss behind https and carries the token and resume point', () => {
    expect(socketUrl({ protocol: 'https:', host: 'hg.example' }, 'hgs_x', 41)).toBe('wss://hg.example/v1/ws?token=hgs_x&since=41');
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:8000' }, 'a b', null)).toBe('ws://127.0.0.1:8000/v1/ws?token=a+b');
  });
});

describe('RealtimeConnection', () => {
  it('opens, delivers frames in order, and resynchronises on open', () => {
    const { connection, sockets, frames, statuses, onResync } = setup();
    connection.start();
    expect(statuses).toEqual(['connecting']);
    sockets[0]!.open();
    expect(statuses.at(-1)).toBe('open');
    expect(onResync).toHaveBeenCalledTimes(1);
    sockets[0]!.frame({ type: 'conversation.created', seq: 1, data: {} });
    sockets[0]!.frame({ type: 'message.created', seq: 2, data: {} });
    expect(frames).toEqual(['conversation.created:1', 'message.created:2']);
  });

  it('drops replayed frames and resynchronises on a gap in seq', () => {
    const { connection, sockets, frames, onResync } = setup();
    connection.start();
    sockets[0]!.open();
    onResync.mockClear();
    sockets[0]!.frame({ type: 'a', seq: 5, data: {} });
    sockets[0]!.frame({ type: 'a', seq: 5, data: {} });
    sockets[0]!.frame({ type: 'a', seq: 4, data: {} });
    expect(frames).toEqual(['a:5']);
    sockets[0]!.frame({ type: 'b', seq: 9, data: {} });
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(frames).toEqual(['a:5', 'b:9']);
  });

  it('reconnects with backoff after a drop and resumes from the last seq', () => {
    const { connection, sockets, timers, statuses } = setup();
    connection.start();
    sockets[0]!.open();
    sockets[0]!.frame({ type: 'a', seq: 12, data: {} });
    sockets[0]!.drop();
    expect(statuses.at(-1)).toBe('closed');
    expect(timers[0]?.ms).toBe(1_000);
    timers[0]!.fn();
    expect(sockets[1]!.url).toBe('ws://h/v1/ws?token=t&since=12');
    // A failure before opening backs off further.
    sockets[1]!.drop();
    expect(timers[1]?.ms).toBe(2_000);
  });

  it('keeps retrying while the endpoint does not exist yet, capped at 30 s', () => {
    const { connection, sockets, timers } = setup();
    connection.start();
    for (let i = 0; i < 8; i++) {
      sockets[i]!.drop();
      timers[i]!.fn();
    }
    expect(timers.map((t) => t.ms)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('reconnects at once when the server sends {"type":"reconnect"}', () => {
    const { connection, sockets, timers, frames } = setup();
    connection.start();
    sockets[0]!.open();
    sockets[0]!.frame({ type: 'a', seq: 3, data: {} });
    sockets[0]!.frame({ type: 'reconnect' });
    expect(sockets[0]!.closed).toBe(true);
    expect(sockets[1]!.url).toContain('since=3');
    expect(timers).toHaveLength(0);
    expect(frames).toEqual(['a:3']);
  });

  it('sends only while open and stays down after stop()', () => {
    const { connection, sockets, timers, statuses } = setup();
    connection.start();
    expect(connection.send({ type: 'presence' })).toBe(false);
    sockets[0]!.open();
    expect(connection.send({ type: 'presence' })).toBe(true);
    expect(sockets[0]!.sent).toEqual(['{"type":"presence"}']);
    connection.stop();
    expect(sockets[0]!.closed).toBe(true);
    expect(statuses.at(-1)).toBe('closed');
    expect(timers).toHaveLength(0);
  });
});
