import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { SORTS } from '@/lib/enums';
import { effectiveSort, useInboxFilters } from '../hooks/use-inbox-filters';

/** The list's order, always visible in the list header (not inside Filters). */
export function SortControl() {
  const { t } = useTranslation();
  const id = useId();
  const { filters, setSort } = useInboxFilters();
  return (
    <span className="sort-control">
      <label htmlFor={id} className="sort-control__label">
        {t('filters.sort')}
      </label>
      <select id={id} data-testid="inbox-sort" value={effectiveSort(filters)} onChange={(e) => setSort(e.target.value as (typeof SORTS)[number])}>
        {SORTS.map((s) => (
          <option key={s} value={s}>
            {t(`sort.${s}`)}
          </option>
        ))}
      </select>
    </span>
  );
}
