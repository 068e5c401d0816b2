import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, parseFrame, RealtimeConnection, socketTarget, type SocketLike } from './connection';

class FakeSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readyState = 0;
  sent: string[] = [];
  closed = false;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
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
  hello(seq: number, resumed = false) {
    this.frame({ type: 'hello', seq, server_time: '2026-11-23T12:00:00.123456+00:00', data: { resumed } });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const frames: string[] = [];
  const statuses: string[] = [];
  const times: string[] = [];
  const onResync = vi.fn();
  const connection = new RealtimeConnection({
    target: (since) => ({ url: `ws://h/v1/ws${since === null ? '' : `?since=${since}`}`, protocols: ['hourglass', 'bearer.t'] }),
    onFrame: (f) => frames.push(`${f.type}:${f.seq}`),
    onStatus: (s) => statuses.push(s),
    onResync,
    onServerTime: (t) => times.push(t),
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
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
  return { connection, sockets, timers, frames, statuses, onResync, times };
}

describe('parseFrame', () => {
  it('reads the server’s event frame', () => {
    expect(
      parseFrame(
        '{"type":"sla.updated","seq":7,"event_id":7,"conversation_id":"c","server_time":"2026-11-23T12:00:00+00:00","data":{"sla_state":"ok"}}',
      ),
    ).toEqual({ type: 'sla.updated', seq: 7, serverTime: '2026-11-23T12:00:00+00:00', conversationId: 'c', data: { sla_state: 'ok' } });
  });
  it('accepts control frames without seq or data', () => {
    expect(parseFrame('{"type":"reconnect"}')).toEqual({ type: 'reconnect', seq: null, serverTime: null, conversationId: null, data: {} });
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

describe('socketTarget', () => {
  it('carries the token as a subprotocol, never in the URL, and the resume point as ?since=', () => {
    expect(socketTarget({ protocol: 'https:', host: 'hg.example' }, 'hgs_x-Y_1', 41)).toEqual({
      url: 'wss://hg.example/v1/ws?since=41',
      protocols: ['hourglass', 'bearer.hgs_x-Y_1'],
    });
    expect(socketTarget({ protocol: 'http:', host: '127.0.0.1:8000' }, 'hgs_a', null).url).toBe('ws://127.0.0.1:8000/v1/ws');
  });
  it('falls back to ?token= for a token a subprotocol cannot carry', () => {
    expect(socketTarget({ protocol: 'http:', host: 'h' }, 'a b', 3)).toEqual({ url: 'ws://h/v1/ws?token=a+b&since=3', protocols: ['hourglass'] });
  });
});

describe('RealtimeConnection', () => {
  it('is live from the server’s hello (not the handshake) and resynchronises a fresh connection', () => {
    const { connection, sockets, statuses, onResync, frames } = setup();
    connection.start();
    expect(statuses).toEqual(['connecting']);
    sockets[0]!.open();
    expect(statuses.at(-1)).toBe('connecting');
    sockets[0]!.hello(100);
    expect(statuses.at(-1)).toBe('open');
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(connection.since).toBe(100);
    sockets[0]!.frame({ type: 'conversation.created', seq: 101, data: {} });
    sockets[0]!.frame({ type: 'message.created', seq: 102, data: {} });
    expect(frames).toEqual(['conversation.created:101', 'message.created:102']);
  });

  it('treats gaps in seq as normal (seq is global across organizations) and drops duplicates', () => {
    const { connection, sockets, frames, onResync } = setup();
    connection.start();
    sockets[0]!.hello(4);
    onResync.mockClear();
    sockets[0]!.frame({ type: 'a', seq: 5, data: {} });
    sockets[0]!.frame({ type: 'a', seq: 5, data: {} });
    sockets[0]!.frame({ type: 'a', seq: 4, data: {} });
    sockets[0]!.frame({ type: 'b', seq: 90, data: {} }); // other organizations used 6..89
    sockets[0]!.frame({ type: 'c', seq: 91, data: {} });
    expect(frames).toEqual(['a:5', 'b:90', 'c:91']);
    expect(onResync).not.toHaveBeenCalled();
  });

  it('resynchronises only when the server says so', () => {
    const { connection, sockets, onResync, frames } = setup();
    connection.start();
    sockets[0]!.hello(10);
    onResync.mockClear();
    sockets[0]!.frame({ type: 'resync', server_time: '2026-11-23T12:00:00Z' });
    expect(onResync).toHaveBeenCalledTimes(1);
    expect(frames).toEqual([]);
  });

  it('does not refetch after a resumed hello: the missed events are replayed instead', () => {
    const { connection, sockets, timers, onResync, frames } = setup();
    connection.start();
    sockets[0]!.hello(10);
    sockets[0]!.frame({ type: 'a', seq: 12, data: {} });
    sockets[0]!.drop();
    timers[0]!.fn();
    expect(sockets[1]!.url).toBe('ws://h/v1/ws?since=12');
    onResync.mockClear();
    sockets[1]!.hello(12, true);
    sockets[1]!.frame({ type: 'b', seq: 15, data: {} }); // catch-up
    sockets[1]!.frame({ type: 'b', seq: 15, data: {} }); // the same event live: dropped
    expect(onResync).not.toHaveBeenCalled();
    expect(frames).toEqual(['a:12', 'b:15']);
  });

  it('follows the hello’s seq even when it is lower than ours (another database)', () => {
    const { connection, sockets, timers, frames } = setup();
    connection.start();
    sockets[0]!.hello(500);
    sockets[0]!.drop();
    timers[0]!.fn();
    sockets[1]!.hello(20);
    sockets[1]!.frame({ type: 'resync' });
    sockets[1]!.frame({ type: 'x', seq: 21, data: {} });
    expect(frames).toEqual(['x:21']);
  });

  it('reconnects with backoff after a drop and resumes from the last seq', () => {
    const { connection, sockets, timers, statuses } = setup();
    connection.start();
    sockets[0]!.hello(11);
    sockets[0]!.frame({ type: 'a', seq: 12, data: {} });
    sockets[0]!.drop();
    expect(statuses.at(-1)).toBe('closed');
    expect(timers[0]?.ms).toBe(1_000);
    timers[0]!.fn();
    expect(sockets[1]!.url).toBe('ws://h/v1/ws?since=12');
    expect(sockets[1]!.protocols).toEqual(['hourglass', 'bearer.t']);
    sockets[1]!.drop(); // failed before its hello: back off further
    expect(timers[1]?.ms).toBe(2_000);
  });

  it('keeps retrying while the server is away, capped at 30 s', () => {
    const { connection, sockets, timers } = setup();
    connection.start();
    for (let i = 0; i < 8; i++) {
      sockets[i]!.drop();
      timers[i]!.fn();
    }
    expect(timers.map((t) => t.ms)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('after a policy close (1008) forgets the resume point and slows down', () => {
    const { connection, sockets, timers } = setup();
    connection.start();
    sockets[0]!.hello(7);
    sockets[0]!.drop(1008);
    expect(timers[0]!.ms).toBe(30_000);
    timers[0]!.fn();
    expect(sockets[1]!.url).toBe('ws://h/v1/ws');
  });

  it('reconnects at once when the server sends {"type":"reconnect"}', () => {
    const { connection, sockets, timers, frames } = setup();
    connection.start();
    sockets[0]!.hello(2);
    sockets[0]!.frame({ type: 'a', seq: 3, data: {} });
    sockets[0]!.frame({ type: 'reconnect', data: { reason: 'connection lifetime reached' } });
    expect(sockets[0]!.closed).toBe(true);
    expect(sockets[1]!.url).toContain('since=3');
    expect(timers).toHaveLength(0);
    expect(frames).toEqual(['a:3']);
  });

  it('reports every server_time (heartbeats included) and does not pass control frames on', () => {
    const { connection, sockets, frames, times } = setup();
    connection.start();
    sockets[0]!.hello(1);
    sockets[0]!.frame({ type: 'heartbeat', server_time: '2026-11-23T12:00:25.000001+00:00' });
    expect(times).toEqual(['2026-11-23T12:00:00.123456+00:00', '2026-11-23T12:00:25.000001+00:00']);
    expect(frames).toEqual([]);
  });

  it('passes presence (no seq) through', () => {
    const { connection, sockets, frames } = setup();
    connection.start();
    sockets[0]!.hello(1);
    sockets[0]!.frame({ type: 'presence', conversation_id: 'c', data: { conversation_id: 'c', viewers: [] } });
    expect(frames).toEqual(['presence:null']);
  });

  it('sends only while open and stays down after stop()', () => {
    const { connection, sockets, timers, statuses } = setup();
    connection.start();
    expect(connection.send({ type: 'viewing' })).toBe(false);
    sockets[0]!.open();
    expect(connection.send({ type: 'viewing' })).toBe(true);
    expect(sockets[0]!.sent).toEqual(['{"type":"viewing"}']);
    connection.stop();
    expect(sockets[0]!.closed).toBe(true);
    expect(statuses.at(-1)).toBe('closed');
    expect(timers).toHaveLength(0);
  });
});
