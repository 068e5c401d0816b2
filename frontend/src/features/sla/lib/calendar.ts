/**
 * Business-calendar working hours as the API takes them — `{"mon": ["09:00-12:00", "13:00-18:00"],
 * "fri": [["22:00", "06:00"]]}` (weekday names or 0–6, several intervals a day, overnight allowed)
 * — and as the editor holds them: seven lists of {start, end}.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Interval {
  start: string;
  end: string;
}

export type Week = Record<Weekday, Interval[]>;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function emptyWeek(): Week {
  return { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
}

/** Mon–Fri 09:00–18:00, the usual starting point. */
export function officeHours(): Week {
  const week = emptyWeek();
  for (const d of WEEKDAYS.slice(0, 5)) week[d] = [{ start: '09:00', end: '18:00' }];
  return week;
}

function weekdayOf(key: string): Weekday | null {
  const k = key.trim().toLowerCase();
  if (/^[0-6]$/.test(k)) return WEEKDAYS[Number(k)] ?? null;
  return WEEKDAYS.find((d) => k.startsWith(d)) ?? null;
}

const hhmm = (v: string) => v.trim().slice(0, 5);

function readPair(raw: unknown): Interval | null {
  if (typeof raw === 'string') {
    const [a, b] = raw.split(/[-–]/);
    return a && b ? { start: hhmm(a), end: hhmm(b) } : null;
  }
  if (Array.isArray(raw) && raw.length === 2 && typeof raw[0] === 'string' && typeof raw[1] === 'string') {
    return { start: hhmm(raw[0]), end: hhmm(raw[1]) };
  }
  return null;
}

export function readWeek(raw: Record<string, unknown> | null | undefined): Week {
  const week = emptyWeek();
  for (const [key, pairs] of Object.entries(raw ?? {})) {
    const day = weekdayOf(key);
    if (!day || !Array.isArray(pairs)) continue;
    week[day] = pairs.map(readPair).filter((p): p is Interval => p !== null);
  }
  return week;
}

export function writeWeek(week: Week): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const d of WEEKDAYS) if (week[d].length) out[d] = week[d].map((i) => `${i.start}-${i.end}`);
  return out;
}

export function validInterval(i: Interval): boolean {
  return HHMM.test(i.start) && HHMM.test(i.end) && i.start !== i.end;
}

/** An interval that ends at or before it starts runs overnight into the next day. */
export function isOvernight(i: Interval): boolean {
  return validInterval(i) && i.end <= i.start;
}

/** Working hours per week (overnight intervals counted to their end the next day). */
export function weeklyHours(week: Week): number {
  let minutes = 0;
  for (const d of WEEKDAYS) {
    for (const i of week[d]) {
      if (!validInterval(i)) continue;
      const [sh, sm] = i.start.split(':').map(Number) as [number, number];
      const [eh, em] = i.end.split(':').map(Number) as [number, number];
      let span = eh * 60 + em - (sh * 60 + sm);
      if (span <= 0) span += 24 * 60;
      minutes += span;
    }
  }
  return Math.round((minutes / 60) * 10) / 10;
}
