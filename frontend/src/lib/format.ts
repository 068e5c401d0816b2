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

/** "3 min ago", "in 2 h", "刚刚"-style relative times in the UI language. */
export function formatRelative(iso: string | null | undefined, nowMs: number, locale: string): string {
  if (!iso) return '';
  const t = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(t)) return '';
  const diff = t - nowMs;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (abs < MINUTE) return rtf.format(Math.round(diff / 1000), 'second');
  if (abs < HOUR) return rtf.format(Math.round(diff / MINUTE), 'minute');
  if (abs < DAY) return rtf.format(Math.round(diff / HOUR), 'hour');
  return rtf.format(Math.round(diff / DAY), 'day');
}

/** 0.9523 -> "95.2%" (one decimal, the precision marketplaces report). */
export function formatPercent(ratio: number | null | undefined, locale: string, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(ratio);
}

/** A near moment in few characters, for tight places like the header: "10:00" today, "Sat 10:00" otherwise. */
export function formatShortWhen(iso: string | null | undefined, nowMs: number, locale: string): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const sameDay = new Date(t).toDateString() === new Date(nowMs).toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, options).format(t);
}
