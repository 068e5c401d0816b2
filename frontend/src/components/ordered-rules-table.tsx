import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Deletable } from '@/hooks/use-deletion';
import { ConfirmDelete } from './confirm-delete';

export interface OrderedRule {
  id: string;
  name: string;
  position: number;
  is_active: boolean;
}

export interface RuleColumn<R> {
  header: ReactNode;
  cell: (row: R) => ReactNode;
  className?: string;
}

/**
 * The table of an ordered rule-like setting (auto-reply rules, routing rules, SLA policies): rows in
 * the order they are tried, the position, the page's own columns, an Active checkbox, Edit, and
 * Delete behind the confirm-delete dialog (only for kinds the API can delete).
 */
export function OrderedRulesTable<R extends OrderedRule>({
  rows,
  columns,
  canEdit,
  rowTestId,
  rowAttributes,
  onToggle,
  toggleLocked,
  onEdit,
  deletion,
}: {
  rows: R[];
  columns: RuleColumn<R>[];
  canEdit: boolean;
  rowTestId: string;
  rowAttributes?: (row: R) => { [attribute: string]: string };
  onToggle: (row: R, active: boolean) => void;
  toggleLocked?: (row: R) => boolean;
  onEdit: (row: R) => void;
  deletion?: { kind: Deletable; invalidate: readonly unknown[]; testId: string; name?: (row: R) => string };
}) {
  const { t } = useTranslation();
  const [deleting, setDeleting] = useState<string | null>(null);
  const ordered = [...rows].sort((a, b) => a.position - b.position);
  return (
    <table className="table">
      <thead>
        <tr>
          <th className="num">#</th>
          {columns.map((c, i) => (
            <th key={i}>{c.header}</th>
          ))}
          <th>{t('form.active')}</th>
          {canEdit ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {ordered.map((r) => (
          <tr key={r.id} className={r.is_active ? '' : 'is-inactive'} data-testid={rowTestId} {...(rowAttributes?.(r) ?? {})}>
            <td className="num muted">{r.position}</td>
            {columns.map((c, i) => (
              <td key={i} className={c.className}>
                {c.cell(r)}
              </td>
            ))}
            <td>
              <input
                type="checkbox"
                checked={r.is_active}
                disabled={!canEdit || (toggleLocked?.(r) ?? false)}
                aria-label={t('form.active')}
                onChange={(e) => onToggle(r, e.target.checked)}
              />
            </td>
            {canEdit ? (
              <td className="row-actions">
                <button type="button" className="btn btn--sm" onClick={() => onEdit(r)}>
                  {t('form.edit')}
                </button>
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
