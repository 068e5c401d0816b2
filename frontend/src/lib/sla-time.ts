/**
 * SLA countdown arithmetic, kept pure so it can be tested to the millisecond.
 *
 * The server decides whether a clock is "due soon" (its policy knows the threshold); the browser
 * only flips a badge to overdue the instant the deadline passes, without waiting for the server's
 * next `sla.updated` event, because every open tab must agree to the second.
 */

export type SlaState = 'none' | 'ok' | 'due_soon' | 'overdue';
export type BadgeTone = 'green' | 'amber' | 'red';

const SLA_STATES: readonly SlaState[] = ['none', 'ok', 'due_soon', 'overdue'];

export function asSlaState(value: unknown): SlaState | null {
  return typeof value === 'string' && (SLA_STATES as readonly string[]).includes(value)
    ? (value as SlaState)
    : null;
}

export function parseDeadline(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Milliseconds left until the deadline on the server's clock (negative once overdue). */
export function remainingMs(deadlineMs: number, localNowMs: number, offsetMs: number): number {
  return deadlineMs - (localNowMs + offsetMs);
}

/**
 * The badge colour, or null when no badge should show (no deadline, or the clock is stopped).
 * Local time only ever makes a badge more urgent: it turns amber at `due_soon_at` and red at the
 * deadline on the (offset-corrected) clock, without waiting for the server's next update; the
 * server's own due_soon/overdue state is never downgraded.
 */
export function badgeTone(state: SlaState | null, remaining: number | null, untilDueSoon: number | null = null): BadgeTone | null {
  if (remaining === null || state === 'none') return null;
  if (remaining <= 0 || state === 'overdue') return 'red';
  if (state === 'due_soon' || (untilDueSoon !== null && untilDueSoon <= 0)) return 'amber';
  return 'green';
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * "1d 02:03:04", "02:03:04" or "-00:05:12" (overdue for five minutes twelve seconds).
 * Seconds are floored (towards minus infinity), so the number shown drops by exactly one on every
 * whole-second tick, reads 00:00:00 during the last second and -00:00:01 right after the deadline.
 */
export function formatCountdown(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const total = Math.abs(whole);
  const days = Math.floor(total / 86400);
  const clock = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return `${whole < 0 ? '-' : ''}${days > 0 ? `${days}d ` : ''}${clock}`;
}

/** Delay until the next whole second of server time, so every tab ticks at the same instant. */
export function msUntilNextServerSecond(localNowMs: number, offsetMs: number): number {
  const serverNow = localNowMs + offsetMs;
  const rest = 1000 - (((serverNow % 1000) + 1000) % 1000);
  return rest === 0 ? 1000 : rest;
}
