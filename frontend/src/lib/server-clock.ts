/**
 * Server-clock offset, estimated from the `X-Server-Time` header (epoch ms) of every API response.
 *
 * Countdowns must agree to the second across tabs and machines, so they run on the server's clock,
 * not the browser's. Each response gives one sample: the server stamped it somewhere between the
 * moment we sent the request and the moment we read the response, so we take the midpoint, whose
 * error is at most half the round trip. The sample with the smallest round trip among the recent
 * ones is the most trustworthy (the same idea as NTP's clock filter).
 */

export interface ClockSample {
  /** serverTime - localTime, in ms */
  offsetMs: number;
  /** round trip of the request that produced the sample, in ms */
  rttMs: number;
  /** local time the sample was taken */
  takenAt: number;
}

export function parseServerTime(header: string | null | undefined): number | null {
  if (!header) return null;
  const value = Number(header.trim());
  return Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * An ISO 8601 instant as epoch ms. The server writes microseconds ("…:49.677959+00:00"), which not
 * every engine's Date.parse accepts: the fraction is cut to milliseconds first.
 */
export function parseIsoMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const trimmed = iso.trim().replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}

export function sampleFromTiming(sentAt: number, receivedAt: number, serverTimeMs: number): ClockSample {
  const rttMs = Math.max(0, receivedAt - sentAt);
  return { offsetMs: serverTimeMs - (sentAt + rttMs / 2), rttMs, takenAt: receivedAt };
}

/** The offset of the lowest-round-trip sample; 0 when there is none. */
export function bestOffset(samples: readonly ClockSample[]): number {
  let best: ClockSample | undefined;
  for (const s of samples) {
    if (!best || s.rttMs < best.rttMs) best = s;
  }
  return best ? best.offsetMs : 0;
}

const MAX_SAMPLES = 16;
// Samples older than this are dropped: the browser clock can be stepped (NTP, sleep, manual change).
const SAMPLE_TTL_MS = 10 * 60 * 1000;
// Floors from pushed frames come every 25 s (heartbeats); a short memory follows a stepped clock fast.
const FLOOR_TTL_MS = 2 * 60 * 1000;

/** A lower bound on the offset: `server_time` of a pushed frame minus the local time it arrived. */
export interface ClockFloor {
  offsetMs: number;
  takenAt: number;
}

export class ServerClock {
  private samples: ClockSample[] = [];
  private floors: ClockFloor[] = [];
  private offset = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly localNow: () => number = () => Date.now()) {}

  record(sample: ClockSample): void {
    const cutoff = sample.takenAt - SAMPLE_TTL_MS;
    this.samples = [...this.samples.filter((s) => s.takenAt >= cutoff), sample].slice(-MAX_SAMPLES);
    this.update(sample.takenAt);
  }

  /**
   * A frame pushed over the WebSocket: the server stamped `server_time` before it reached us, so
   * the server's clock at arrival was at least that. The estimate from HTTP round trips is raised
   * to this floor when it falls below (the midpoint guess was wrong, or the browser clock moved);
   * without HTTP samples yet, the floor is the best there is.
   */
  recordPushed(serverTimeMs: number, receivedAt: number): void {
    const floor = { offsetMs: serverTimeMs - receivedAt, takenAt: receivedAt };
    const cutoff = receivedAt - FLOOR_TTL_MS;
    this.floors = [...this.floors.filter((f) => f.takenAt >= cutoff), floor].slice(-MAX_SAMPLES);
    this.update(receivedAt);
  }

  private update(at: number): void {
    const floors = this.floors.filter((f) => f.takenAt >= at - FLOOR_TTL_MS);
    const floor = floors.length > 0 ? Math.max(...floors.map((f) => f.offsetMs)) : null;
    const estimate = this.samples.length > 0 ? bestOffset(this.samples) : null;
    const next = estimate === null ? (floor ?? 0) : floor === null ? estimate : Math.max(estimate, floor);
    if (Math.round(next) !== Math.round(this.offset)) {
      this.offset = next;
      this.listeners.forEach((l) => l());
    }
  }

  offsetMs(): number {
    return this.offset;
  }

  /** The server's current time in epoch ms. */
  now(): number {
    return this.localNow() + this.offset;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const serverClock = new ServerClock();
