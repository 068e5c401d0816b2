import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useCustomers, useMergeCustomers, type CustomerDetail } from '../api/customers';

/** Search for another customer and merge their profile into this one. */
export function MergeDialog({ into, onClose }: { into: CustomerDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [chosen, setChosen] = useState<string | null>(null);
  const found = useCustomers(q, '');
  const merge = useMergeCustomers(into.id);
  const candidates = (found.data?.items ?? []).filter((c) => c.id !== into.id);
  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <div className="dialog" role="dialog" aria-label={t('customers.mergeTitle', { name: into.display_name })} data-testid="merge-dialog" onClick={(e) => e.stopPropagation()}>
        <div style={{ padding: 16, display: 'flex', flexDirection: 'column', gap: 8 }}>
          <h2>{t('customers.mergeTitle', { name: into.display_name })}</h2>
          <p className="bulk-bar__hint">{t('customers.mergeHint')}</p>
          <input autoFocus placeholder={t('customers.search')} value={q} onChange={(e) => setQ(e.target.value)} data-testid="merge-search" />
          <div className="customers__list" style={{ maxHeight: 260, border: 'none' }}>
            {candidates.map((c) => (
              <button
                key={c.id}
                type="button"
                className={`customers__item${chosen === c.id ? ' is-active' : ''}`}
                onClick={() => setChosen(c.id)}
              >
                <MarketplaceBadge marketplace={c.marketplace} />
                {c.display_name || c.external_buyer_id}
              </button>
            ))}
          </div>
          {merge.isError ? <ErrorNotice error={merge.error} /> : null}
          <div className="bulk-bar__line">
            <button type="button" className="btn btn--primary" disabled={!chosen || merge.isPending} data-testid="merge-confirm"
              onClick={() => chosen && merge.mutate([chosen], { onSuccess: onClose })}>
              {t('customers.mergeConfirm')}
            </button>
            <button type="button" className="btn" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
