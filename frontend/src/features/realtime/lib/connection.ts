/**
 * The WebSocket client of R13: `/v1/ws?token=…` sending `{type, seq, server_time, data}` frames.
 * It reconnects with capped, jittered exponential backoff and resumes with `?since=<last seq>` so
 * nothing published while it was away is lost; a gap in `seq` (or a fresh start) asks the caller
 * to resynchronise from REST. While it is not open, the queries poll instead (see useLive).
 */
export interface RealtimeFrame {
  type: string;
  seq: number | null;
  serverTime: string | null;
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
  const data =
    'data' in value && typeof value.data === 'object' && value.data !== null && !Array.isArray(value.data)
      ? (value.data as Record<string, unknown>)
      : {};
  return { type: value.type, seq, serverTime, data };
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** 1 s, 2 s, 4 s … capped at 30 s, each scaled into [50 %, 100 %] so a restarted server is not stampeded. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export function socketUrl(location: { protocol: string; host: string }, token: string, since: number | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams({ token });
  if (since !== null) params.set('since', String(since));
  return `${scheme}//${location.host}/v1/ws?${params.toString()}`;
}

/** The part of the browser WebSocket this client uses; tests pass a fake. */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(): void;
  readonly readyState: number;
}

export interface ConnectionOptions {
  url: (since: number | null) => string;
  onFrame: (frame: RealtimeFrame) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** Called when events may have been missed: first connect after polling, or a seq gap. */
  onResync: () => void;
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

const OPEN = 1;

export class RealtimeConnection {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = true;
  private lastSeq: number | null = null;

  constructor(private readonly options: ConnectionOptions) {}

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
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    this.options.onStatus('closed');
  }

  /** Reconnect now (the browser came back online, or the server asked us to). */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.clearPending();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    this.connect();
  }

  send(payload: object): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(payload));
    return true;
  }

  private clearPending(): void {
    if (this.timer !== null) {
      (this.options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.timer);
      this.timer = null;
    }
  }

  private connect(): void {
    const create = this.options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    this.options.onStatus('connecting');
    let socket: SocketLike;
    try {
      socket = create(this.options.url(this.lastSeq));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.options.onStatus('open');
      // Whatever happened while we polled (or were away) is fetched once from REST.
      this.options.onResync();
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {
      // onclose follows and decides what to do.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.options.onStatus('closed');
      this.scheduleReconnect();
    };
  }

  private receive(raw: unknown): void {
    const frame = parseFrame(raw);
    if (!frame) return;
    if (frame.type === 'reconnect') {
      this.reconnectNow();
      return;
    }
    if (frame.seq !== null) {
      if (this.lastSeq !== null && frame.seq <= this.lastSeq) return; // replayed on resume: already applied
      if (this.lastSeq !== null && frame.seq > this.lastSeq + 1) this.options.onResync();
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
