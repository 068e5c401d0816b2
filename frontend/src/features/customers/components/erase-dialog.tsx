import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { Dialog } from '@/components/form';
import { ApiError } from '@/lib/problem';
import { useEraseCustomer, type CustomerDetail } from '../api/customers';

/** The confirmation is typed, since an erasure cannot be undone. */
export function confirmationMatches(typed: string, word: string): boolean {
  return typed.trim().toLocaleUpperCase() === word.toLocaleUpperCase();
}

/** Erase a buyer on request: typed confirmation; while a case or marketplace clock is open the server refuses (409) and "erase anyway" is offered. */
export function EraseDialog({ customer, onClose }: { customer: CustomerDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const erase = useEraseCustomer(customer.id);
  const [typed, setTyped] = useState('');
  const [force, setForce] = useState(false);
  const word = t('customers.eraseWord');
  const blocked = erase.error instanceof ApiError && erase.error.status === 409;
  const ready = confirmationMatches(typed, word) && (!blocked || force);
  return (
    <Dialog
      title={t('customers.eraseTitle', { name: customer.display_name || customer.external_buyer_id })}
      onClose={onClose}
      testId="erase-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('customers.eraseCancel')}
          </button>
          <button
            type="button"
            className="btn btn--danger-ghost"
            disabled={!ready || erase.isPending}
            data-testid="erase-confirm"
            onClick={() => erase.mutate(force, { onSuccess: onClose })}
          >
            {t('customers.eraseConfirm')}
          </button>
        </>
      }
    >
      <p>{t('customers.eraseWhat', { identities: customer.identities.length, conversations: customer.conversation_count })}</p>
      <p className="muted">{t('customers.eraseKept')}</p>
      <label className="ffield">
        <span className="ffield__label">{t('customers.eraseType', { word })}</span>
        <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" data-testid="erase-typed" />
      </label>
      {blocked ? (
        <div className="notice notice--warn" role="alert" data-testid="erase-blocked">
          <p>{erase.error?.message}</p>
          <label className="checkbox">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="erase-force" />
            {t('customers.eraseForce')}
          </label>
        </div>
      ) : erase.isError ? (
        <ErrorNotice error={erase.error} />
      ) : null}
    </Dialog>
  );
}
