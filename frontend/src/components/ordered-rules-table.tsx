import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deletable } from '@/hooks/use-deletion';
import { ConfirmDelete } from './confirm-delete';

/**
 * A row of a rule-like setting. Kinds tried in order (auto-reply rules, routing rules, SLA policies)
 * have a position; named kinds (calendars, templates) do not. Kinds that can be switched off have
 * is_active (calendars cannot).
 */
export interface RuleRow {
  id: string;
  name: string;
  position?: number;
  is_active?: boolean;
}

export interface RuleColumn<R> {
  header: ReactNode;
  cell: (row: R) => ReactNode;
  className?: string;
}

/** A new position for a row, as the page's own update should save it. */
export interface PositionMove<R> {
  row: R;
  position: number;
}

interface CommonProps<R> {
  rows: R[];
  columns: RuleColumn<R>[];
  canEdit: boolean;
  rowTestId: string;
  rowAttributes?: (row: R) => { [attribute: string]: string };
  onEdit?: (row: R) => void;
  deletion?: { kind: Deletable; invalidate: readonly unknown[]; testId: string; name?: (row: R) => string };
}

/** A kind with is_active gets the Active checkbox, and must say what ticking it does. */
type ActiveProps<R> = R extends { is_active: boolean }
  ? { onToggle: (row: R, active: boolean) => void; toggleLocked?: (row: R) => boolean }
  : { onToggle?: never; toggleLocked?: never };

/** Ordered rows come by position (and may be moved); named rows by name, or the page's own order. */
type OrderProps<R> = R extends { position: number }
  ? { onMove?: (moves: PositionMove<R>[]) => void; compare?: never }
  : { onMove?: never; compare?: (a: R, b: R) => number };

export type OrderedRulesTableProps<R extends RuleRow> = CommonProps<R> & ActiveProps<R> & OrderProps<R>;

/**
 * The new positions that put `moving` on the other side of its neighbour `other`: the two positions
 * swapped, or, when they are equal (nothing orders the pair yet), one step apart.
 */
export function swapPositions<R extends RuleRow & { position: number }>(moving: R, other: R, up: boolean): PositionMove<R>[] {
  if (moving.position !== other.position) {
    return [
      { row: moving, position: other.position },
      { row: other, position: moving.position },
    ];
  }
  const p = moving.position;
  if (up) return p > 0 ? [{ row: moving, position: p - 1 }] : [{ row: other, position: p + 1 }];
  return [{ row: moving, position: p + 1 }];
}

/**
 * The table of a rule-like setting (auto-reply rules, routing rules, SLA policies, calendars,
 * templates): ordered rows with their position and Move up / Move down, or named rows by name; the
 * page's own columns; an Active checkbox for kinds that have one; Edit; and Delete behind the
 * confirm-delete dialog (only for kinds the API can delete).
 */
export function OrderedRulesTable<R extends RuleRow>(props: OrderedRulesTableProps<R>) {
  const { rows, columns, canEdit, rowTestId, rowAttributes, onEdit, deletion } = props;
  // Read through the widest shape: which of these exist is settled by the props' type at the call site.
  const { onToggle, toggleLocked, onMove, compare } = props as CommonProps<R> & {
    onToggle?: (row: R, active: boolean) => void;
    toggleLocked?: (row: R) => boolean;
    onMove?: (moves: PositionMove<R & { position: number }>[]) => void;
    compare?: (a: R, b: R) => number;
  };
  const { t } = useTranslation();
  const [deleting, setDeleting] = useState<string | null>(null);
  const ordered = rows.some((r) => typeof r.position === 'number');
  const sorted = [...rows].sort(ordered ? (a, b) => (a.position ?? 0) - (b.position ?? 0) : (compare ?? ((a, b) => a.name.localeCompare(b.name))));
  const movable = canEdit && ordered && onMove !== undefined;
  const actions = canEdit && (onEdit !== undefined || deletion !== undefined || movable);
  const move = (index: number, up: boolean) => {
    const moving = sorted[index] as R & { position: number };
    const other = sorted[up ? index - 1 : index + 1] as R & { position: number };
    onMove?.(swapPositions(moving, other, up));
  };
  return (
    <table className="table">
      <thead>
        <tr>
          {ordered ? <th className="num">#</th> : null}
          {columns.map((c, i) => (
            <th key={i}>{c.header}</th>
          ))}
          {onToggle ? <th>{t('form.active')}</th> : null}
          {actions ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r, index) => (
          <tr key={r.id} className={r.is_active === false ? 'is-inactive' : ''} data-testid={rowTestId} {...(rowAttributes?.(r) ?? {})}>
            {ordered ? <td className="num muted">{r.position}</td> : null}
            {columns.map((c, i) => (
              <td key={i} className={c.className}>
                {c.cell(r)}
              </td>
            ))}
            {onToggle ? (
              <td>
                <input
                  type="checkbox"
                  checked={r.is_active === true}
                  disabled={!canEdit || (toggleLocked?.(r) ?? false)}
                  aria-label={t('form.active')}
                  onChange={(e) => onToggle(r, e.target.checked)}
                />
              </td>
            ) : null}
            {actions ? (
              <td className="row-actions">
                {movable ? (
                  <>
                    <button type="button" className="btn btn--sm btn--ghost" disabled={index === 0} aria-label={t('form.moveUp')} title={t('form.moveUp')} onClick={() => move(index, true)}>
                      ↑
                    </button>
                    <button
                      type="button"
                      className="btn btn--sm btn--ghost"
                      disabled={index === sorted.length - 1}
                      aria-label={t('form.moveDown')}
                      title={t('form.moveDown')}
                      onClick={() => move(index, false)}
                    >
                      ↓
                    </button>
                  </>
                ) : null}
                {onEdit ? (
                  <button type="button" className="btn btn--sm" onClick={() => onEdit(r)}>
                    {t('form.edit')}
                  </button>
                ) : null}
                {deletion ? (
                  <>
                    <button type="button" className="btn btn--sm btn--ghost" onClick={() => setDeleting(r.id)} data-testid={deletion.testId}>
                      {t('deletion.delete')}
                    </button>
                    {deleting === r.id ? (
                      <ConfirmDelete kind={deletion.kind} id={r.id} name={deletion.name?.(r) ?? r.name} invalidate={deletion.invalidate} onClose={() => setDeleting(null)} />
                    ) : null}
                  </>
                ) : null}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
