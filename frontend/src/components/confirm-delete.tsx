import { useTranslation } from 'react-i18next';
import { useDeletion, type Deletable } from '@/hooks/use-deletion';
import { ErrorNotice, Spinner } from './feedback';
import { Dialog } from './form';

/**
 * "Delete …?" with what uses it: the API's usage list is read when the dialog opens; while anything
 * uses the thing, Delete stays disabled and the dialog says what to do instead (disable a store with
 * conversations, deactivate a policy with running clocks). The API checks again (409 with used_by).
 */
export function ConfirmDelete({
  kind,
  id,
  name,
  invalidate,
  onClose,
  onDeleted,
}: {
  kind: Deletable;
  id: string;
  name: string;
  invalidate: readonly unknown[];
  onClose: () => void;
  onDeleted?: () => void;
}) {
  const { t } = useTranslation();
  const { usage, deletion } = useDeletion(kind, id, invalidate);
  const used = usage.data?.used_by ?? [];
  const blocked = !usage.data || !usage.data.deletable;
  return (
    <Dialog title={t('deletion.title', { name })} onClose={onClose} testId="confirm-delete">
      {usage.isLoading ? <Spinner /> : null}
      {usage.error ? <ErrorNotice error={usage.error} /> : null}
      {usage.data?.deletable ? (
        <p data-testid="confirm-delete-free">{t(`deletion.free.${kind}`)}</p>
      ) : null}
      {used.length ? (
        <div className="notice notice--warn" role="status" data-testid="confirm-delete-used">
          <p>{t('deletion.usedBy')}</p>
          <ul className="plain-list">
            {used.map((u) => (
              <li key={`${u.kind}-${u.id ?? u.name}`} data-testid="confirm-delete-user">
                {t(`deletion.kind.${u.kind}`, { count: u.count ?? 1, name: u.name })}
              </li>
            ))}
          </ul>
          <p>{t(`deletion.instead.${kind}`)}</p>
        </div>
      ) : null}
      {deletion.error ? <ErrorNotice error={deletion.error} /> : null}
      <div className="form__actions">
        <button type="button" className="btn btn--sm" onClick={onClose}>
          {t('form.cancel')}
        </button>
        <button
          type="button"
          className="btn btn--danger btn--sm"
          disabled={blocked || deletion.isPending}
          onClick={() => deletion.mutate(undefined, { onSuccess: () => (onDeleted ?? onClose)() })}
          data-testid="confirm-delete-button"
        >
          {deletion.isPending ? t('deletion.deleting') : t('deletion.delete')}
        </button>
      </div>
    </Dialog>
  );
}
