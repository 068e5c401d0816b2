/**
 * SLA targets travel in seconds; people think in hours and minutes. Pure helpers for the inputs
 * (a number and a unit) and for showing a target compactly ("24 h", "1 h 30 min", "2 d").
 */
export type DurationUnit = 'minutes' | 'hours' | 'days';

const UNIT_SECONDS: Record<DurationUnit, number> = { minutes: 60, hours: 3600, days: 86400 };

/** The largest unit that expresses the value exactly (90 min stays minutes, 48 h stays hours). */
export function splitDuration(seconds: number): { value: number; unit: DurationUnit } {
  if (seconds > 0 && seconds % 86400 === 0 && seconds >= 3 * 86400) return { value: seconds / 86400, unit: 'days' };
  if (seconds > 0 && seconds % 3600 === 0) return { value: seconds / 3600, unit: 'hours' };
  return { value: Math.round((seconds / 60) * 100) / 100, unit: 'minutes' };
}

export function toSeconds(value: number, unit: DurationUnit): number {
  return Math.round(value * UNIT_SECONDS[unit]);
}

/** "24 h", "1 h 30 min", "45 min", "3 d", "2 d 4 h" with the given unit words. */
export function formatDuration(seconds: number, words: { d: string; h: string; min: string; s?: string } = { d: 'd', h: 'h', min: 'min', s: 's' }): string {
  const total = Math.round(Math.abs(seconds));
  const sign = seconds < 0 ? '-' : '';
  if (total < 60) return `${sign}${total} ${words.s ?? 's'}`;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const parts: string[] = [];
  if (days >= 3) {
    parts.push(`${days} ${words.d}`);
    if (hours) parts.push(`${hours} ${words.h}`);
  } else {
    const h = days * 24 + hours;
    if (h) parts.push(`${h} ${words.h}`);
    if (minutes) parts.push(`${minutes} ${words.min}`);
  }
  return sign + parts.join(' ');
}
