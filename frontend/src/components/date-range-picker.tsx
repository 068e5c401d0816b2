import { useTranslation } from 'react-i18next';
import type { DateRange } from '@/lib/date-range';

/** Two local dates, both inclusive. */
export function DateRangePicker({ value, onChange, testId = 'range' }: { value: DateRange; onChange: (r: DateRange) => void; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className="range-picker" data-testid={testId}>
      <label>
        {t('reports.from')}{' '}
        <input type="date" value={value.from} max={value.to} onChange={(e) => e.target.value && onChange({ ...value, from: e.target.value })} data-testid={`${testId}-from`} />
      </label>{' '}
      <label>
        {t('reports.to')}{' '}
        <input type="date" value={value.to} min={value.from} onChange={(e) => e.target.value && onChange({ ...value, to: e.target.value })} data-testid={`${testId}-to`} />
      </label>
    </span>
  );
}
