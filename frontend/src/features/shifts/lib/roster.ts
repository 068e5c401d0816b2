/**
 * Roster arithmetic for the Shifts page (pure): a shift's wall-clock end (an overnight shift ends
 * the next day), the week's coverage laid out as weekday × hour, and one person's availability.
 */

export interface WallClockEnd {
  end: string; // HH:MM, local to the agent's zone
  nextDay: boolean;
}

/** "22:00" + 480 min → 06:00 the next day. The length is wall-clock time, as the server keeps it. */
export function wallClockEnd(start: string, minutes: number): WallClockEnd {
  const [h = 0, m = 0] = start.split(':').map(Number);
  const total = h * 60 + m + minutes;
  const inDay = ((total % 1440) + 1440) % 1440;
  const pad = (n: number) => String(n).padStart(2, '0');
  return { end: `${pad(Math.floor(inDay / 60))}:${pad(inDay % 60)}`, nextDay: total >= 1440 };
}

/** "8" → 480, "7.5" → 450, "8:30" → 510; NaN when it is not a length (the server names the field). */
export function lengthToMinutes(text: string): number {
  const s = text.trim();
  const hm = /^(\d+):([0-5]\d)$/.exec(s);
  if (hm) return Number(hm[1]) * 60 + Number(hm[2]);
  if (!/^\d+(\.\d+)?$/.test(s)) return Number.NaN;
  return Math.round(Number(s) * 60);
}

export function formatLength(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h}:${String(m).padStart(2, '0')}` : `${h}`;
}

export interface CoverageCell {
  agents: number;
  traffic: number;
  gap: boolean;
  start: string;
}

interface HourLike {
  weekday: number; // ISO, 1 = Monday
  hour: number;
  agents_on_shift: number;
  traffic: number;
  gap: boolean;
  start: string;
}

/** The coming 168 hours placed on a Monday-first week: rows are ISO weekdays 1..7, columns hours 0..23. */
export function coverageGrid(hours: readonly HourLike[]): (CoverageCell | null)[][] {
  const grid: (CoverageCell | null)[][] = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => null));
  for (const h of hours) {
    const row = grid[h.weekday - 1];
    if (row && h.hour >= 0 && h.hour < 24 && row[h.hour] === null) {
      row[h.hour] = { agents: h.agents_on_shift, traffic: h.traffic, gap: h.gap, start: h.start };
    }
  }
  return grid;
}

export type Availability = 'available' | 'away' | 'off_shift';

/**
 * What the header badge says. With a roster, being off shift wins (nothing is routed then); on
 * shift, the presence the server keeps (set away when idle or logged out) decides. Without a roster
 * only the presence counts.
 */
export function availabilityOf(status: string | undefined, rostered: { on_shift: boolean; routable: boolean } | null): Availability {
  if (rostered && !rostered.on_shift) return 'off_shift';
  return status === 'online' ? 'available' : 'away';
}
