import type { SlaClock } from '@/lib/sla-fields';

export type SnoozePreset = 'oneHour' | 'tomorrow' | 'nextWeek';

/** The wake-up time of a preset, in the agent's local time (09:00 is the agent's morning). */
export function presetTime(preset: SnoozePreset, now: Date): Date {
  const d = new Date(now);
  if (preset === 'oneHour') return new Date(now.getTime() + 60 * 60 * 1000);
  d.setHours(9, 0, 0, 0);
  if (preset === 'tomorrow') {
    d.setDate(d.getDate() + 1);
    return d;
  }
  // Next Monday (a week ahead when today is Monday).
  const ahead = ((8 - d.getDay()) % 7) || 7;
  d.setDate(d.getDate() + ahead);
  return d;
}

export interface SnoozeWarning {
  /** 'inside': a deadline falls before the wake-up; 'running': a clock runs and only a buyer message wakes it. */
  kind: 'inside' | 'running';
  clock: SlaClock;
}

/**
 * Snoozing never stops a clock: warn about the first running clock whose deadline falls inside the
 * snooze (before `until`), or, for "until the buyer writes" (no time), about any running clock.
 * Marketplace clocks first: they are the ones that cost the store its rating.
 */
export function snoozeWarning(clocks: SlaClock[] | null, until: Date | null): SnoozeWarning | null {
  const running = (clocks ?? [])
    .filter((c) => c.phase === 'running' && c.deadline)
    .sort((a, b) => rank(a) - rank(b) || Date.parse(a.deadline ?? '') - Date.parse(b.deadline ?? ''));
  for (const clock of running) {
    if (until === null) return { kind: 'running', clock };
    if (Date.parse(clock.deadline ?? '') < until.getTime()) return { kind: 'inside', clock };
  }
  return null;
}

const rank = (c: SlaClock) => (c.kind.startsWith('marketplace_') ? 0 : 1);

/** A `<input type="datetime-local">` value (local time, minutes) for a date. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
