/**
 * The WebSocket client of live updates (`GET /v1/ws`, see api/realtime/frames.py on the server).
 *
 * Frames: `hello` on connect (its `seq` is the point the stream continues from), events
 * `{type, seq, event_id, server_time, conversation_id, data}`, `presence`, `heartbeat` (25 s),
 * `reconnect` (come back now) and `resync` (the resume point is unknown or too old: refetch what is
 * on screen). `seq` is one counter for every organization on the server, so a client sees gaps
 * that mean nothing: only the server's `resync` says something was lost. Frames at or below the
 * last seq seen are replays of a resume and are dropped.
 *
 * It reconnects with capped, jittered exponential backoff and resumes with `?since=<last seq>`.
 * While it is not live, the queries poll instead (see useLive).
 */
export interface RealtimeFrame {
  type: string;
  seq: number | null;
  serverTime: string | null;
  conversationId: string | null;
  data: Record<string, unknown>;
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export function parseFrame(raw: unknown): RealtimeFrame | null {
  if (typeof raw !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !('type' in value) || typeof value.type !== 'string') return null;
  const seq = 'seq' in value && typeof value.seq === 'number' ? value.seq : null;
  const serverTime = 'server_time' in value && typeof value.server_time === 'string' ? value.server_time : null;
  const conversationId =
    'conversation_id' in value && typeof value.conversation_id === 'string' ? value.conversation_id : null;
  const data =
    'data' in value && typeof value.data === 'object' && value.data !== null && !Array.isArray(value.data)
      ? (value.data as Record<string, unknown>)
      : {};
  return { type: value.type, seq, serverTime, conversationId, data };
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** Close code the server uses for a refused credential or a malformed resume point. */
export const POLICY_VIOLATION = 1008;

/** 1 s, 2 s, 4 s … capped at 30 s, each scaled into [50 %, 100 %] so a restarted server is not stampeded. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export const SUBPROTOCOL = 'hourglass';
// Characters allowed in a Sec-WebSocket-Protocol value (an RFC 7230 token).
const TOKEN_CHARS = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Where to connect and how to authenticate. Browsers cannot set Authorization on a WebSocket; the
 * token travels as a `bearer.<token>` subprotocol beside `hourglass` (so it never sits in a URL or
 * an access log), or as `?token=` when it has characters a subprotocol cannot carry.
 */
export function socketTarget(
  location: { protocol: string; host: string },
  token: string,
  since: number | null,
): { url: string; protocols: string[] } {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams();
  const asProtocol = TOKEN_CHARS.test(`bearer.${token}`);
  if (!asProtocol) params.set('token', token);
  if (since !== null) params.set('since', String(since));
  const query = params.toString();
  return {
    url: `${scheme}//${location.host}/v1/ws${query ? `?${query}` : ''}`,
    protocols: asProtocol ? [SUBPROTOCOL, `bearer.${token}`] : [SUBPROTOCOL],
  };
}

/** The part of the browser WebSocket this client uses; tests pass a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(): void;
  readonly readyState: number;
}

export interface ConnectionOptions {
  target: (since: number | null) => { url: string; protocols: string[] };
  onFrame: (frame: RealtimeFrame) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** What is on screen may be stale: a fresh (not resumed) connection, or the server's `resync`. */
  onResync: () => void;
  /** Every frame's `server_time` with the local time it arrived (clock-offset refinement). */
  onServerTime?: (serverTime: string, receivedAt: number) => void;
  createSocket?: (url: string, protocols: string[]) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
  now?: () => number;
}

const OPEN = 1;

export class RealtimeConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = true;
  private lastSeq: number | null = null;

  constructor(private readonly options: ConnectionOptions) {}

  /** The resume point: the highest seq applied (or the hello's). */
  get since(): number | null {
    return this.lastSeq;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearPending();
    this.drop();
    this.options.onStatus('closed');
  }

  /** Reconnect now (the browser came back online, or the server asked us to). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.clearPending();
    this.drop();
    this.connect();
  }

  send(payload: object): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(payload));
    return true;
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close();
    }
  }

  private clearPending(): void {
    if (this.timer !== null) {
      (this.options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.timer);
      this.timer = null;
    }
  }

  private connect(): void {
    const create =
      this.options.createSocket ?? ((url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as SocketLike);
    this.options.onStatus('connecting');
    let socket: SocketLike;
    try {
      const { url, protocols } = this.options.target(this.lastSeq);
      socket = create(url, protocols);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    // Live only from the server's hello: an accepted handshake may still be refused (1008) a moment later.
    socket.onopen = () => undefined;
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {
      // onclose follows and decides what to do.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.options.onStatus('closed');
      if (ev?.code === POLICY_VIOLATION) {
        // A refused credential or resume point: never resume from it, and do not hammer the server.
        this.lastSeq = null;
        this.attempt = Math.max(this.attempt, 5);
      }
      this.scheduleReconnect();
    };
  }

  private receive(raw: unknown): void {
    const frame = parseFrame(raw);
    if (!frame) return;
    if (frame.serverTime) this.options.onServerTime?.(frame.serverTime, (this.options.now ?? Date.now)());
    switch (frame.type) {
      case 'hello': {
        this.attempt = 0;
        // The stream continues after hello.seq, whatever we saw before (it may even be lower:
        // a restored database). Catch-up frames, if any, follow with higher numbers.
        if (frame.seq !== null) this.lastSeq = frame.seq;
        this.options.onStatus('open');
        if (frame.data['resumed'] !== true) this.options.onResync();
        return;
      }
      case 'resync':
        this.options.onResync();
        return;
      case 'reconnect':
        this.reconnectNow();
        return;
      case 'heartbeat':
        return;
      default:
        break;
    }
    if (frame.seq !== null) {
      if (this.lastSeq !== null && frame.seq <= this.lastSeq) return; // a replay of what was applied
      this.lastSeq = frame.seq;
    }
    this.options.onFrame(frame);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.options.random);
    this.attempt += 1;
    const set = this.options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
