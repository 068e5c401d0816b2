import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { TIERS, useCustomers } from '../api/customers';
import { CustomerProfile } from './customer-profile';

/** Customers: search on the left (any identity's name, email, phone or buyer id), the profile on the right. */
export function CustomersPage({ customerId, onOpen }: { customerId: string | null; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [tier, setTier] = useState('');
  const list = useCustomers(q.trim(), tier);
  return (
    <div className="customers" data-testid="customers-page">
      <aside className="customers__list">
        <h1>{t('customers.title')}</h1>
        <input placeholder={t('customers.search')} aria-label={t('customers.search')} value={q} onChange={(e) => setQ(e.target.value)} data-testid="customer-search" />
        <select aria-label={t('customers.anyTier')} value={tier} onChange={(e) => setTier(e.target.value)}>
          <option value="">{t('customers.anyTier')}</option>
          {TIERS.map((x) => (
            <option key={x} value={x}>
              {t(`customer.tier.${x}`)}
            </option>
          ))}
        </select>
        {list.isError ? <ErrorNotice error={list.error} /> : null}
        {list.data?.items.length === 0 ? <EmptyState title={t('customers.empty')} /> : null}
        {list.data?.items.map((c) => (
          <button
            key={c.id}
            type="button"
            className={`customers__item${c.id === customerId ? ' is-active' : ''}`}
            data-testid="customer-item"
            onClick={() => onOpen(c.id)}
          >
            <MarketplaceBadge marketplace={c.marketplace} />
            <span>{c.display_name || c.external_buyer_id}</span>
            {c.tier !== 'standard' ? <span className={`tag tag--tier-${c.tier}`}>{t(`customer.tier.${c.tier}`)}</span> : null}
          </button>
        ))}
      </aside>
      {customerId ? <CustomerProfile customerId={customerId} /> : <EmptyState title={t('customers.choose')} />}
    </div>
  );
}
