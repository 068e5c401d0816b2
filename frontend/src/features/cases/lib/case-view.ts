/** How a case reads in the UI (pure, unit-tested). */

export type Tone = 'ok' | 'warn' | 'danger' | 'muted' | 'info';

const DONE = new Set(['refunded', 'replaced', 'reshipped', 'won', 'cancelled']);
const STOPPED = new Set(['rejected', 'withdrawn', 'lost']);

/** The colour of a state tag: waiting on us (info), moving (warn), resolved (ok), ended badly (danger). */
export function stateTone(state: string): Tone {
  if (state === 'requested') return 'info';
  if (state === 'closed') return 'muted';
  if (DONE.has(state)) return 'ok';
  if (STOPPED.has(state)) return 'danger';
  return 'warn';
}

/** The deadline to show: while requested, the sooner of the handling target and the marketplace's. */
export function deadlineOf(c: { state: string; due_at: string | null; overdue_at: string | null }, nowMs: number): { at: string | null; overdue: boolean } {
  if (c.state !== 'requested') return { at: null, overdue: false };
  const at = c.due_at;
  const overdue = c.overdue_at !== null || (at !== null && Date.parse(at) <= nowMs);
  return { at, overdue };
}

/** Whole hours since the case was opened (the "age" filter counts the same way). */
export function ageHours(createdAt: string, nowMs: number): number {
  const t = Date.parse(createdAt);
  return Number.isNaN(t) ? 0 : Math.max(0, Math.floor((nowMs - t) / 3_600_000));
}

/** Transitions that end a case are shown last and styled as final actions. */
export function orderTransitions(allowed: readonly string[]): string[] {
  const weight = (s: string) => (s === 'closed' ? 3 : STOPPED.has(s) || s === 'rejected' ? 2 : 1);
  return [...allowed].sort((a, b) => weight(a) - weight(b));
}
