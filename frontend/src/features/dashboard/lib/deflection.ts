/** A share of 0..1 as a percentage in the reader's locale; "—" when there is nothing to divide. */
export function formatPercent(rate: number | null | undefined, locale: string): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}
