/** Locale-aware timestamps for the inbox and the thread (the UI language decides the format). */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function formatListTime(iso: string, nowMs: number, locale: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const age = nowMs - t;
  if (age < DAY && new Date(t).toDateString() === new Date(nowMs).toDateString()) {
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(t);
  }
  const sameYear = new Date(t).getFullYear() === new Date(nowMs).getFullYear();
  return new Intl.DateTimeFormat(locale, sameYear ? { month: 'short', day: 'numeric' } : { dateStyle: 'short' }).format(t);
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

export function formatMoney(amount: string | null, currency: string | null, locale: string): string {
  if (amount === null) return '';
  const value = Number(amount);
  if (!currency || Number.isNaN(value)) return amount;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}
