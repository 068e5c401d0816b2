import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorNotice, Spinner } from '@/components/feedback';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useMe } from '@/hooks/use-directory';
import { useCustomer, useUnmergeCustomer, useUpdateCustomer, type CustomerDetail } from '../api/customers';
import { EraseDialog } from './erase-dialog';
import { MergeDialog } from './merge-dialog';

interface TimelineEntry {
  key: string;
  at: string;
  marketplace: string;
  kind: 'conversation' | 'order';
  text: string;
  to: string | null;
}

/** Conversations and orders of every identity, newest first, in one list. */
function timeline(c: CustomerDetail, orderLabel: (id: string) => string): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...c.conversations.map((v) => ({
      key: `c-${v.id}`,
      at: v.last_message_at,
      marketplace: v.marketplace,
      kind: 'conversation' as const,
      text: v.subject || v.last_message_preview || '',
      to: `/inbox/${v.id}`,
    })),
    ...c.orders.map((o) => ({
      key: `o-${o.id}`,
      at: o.placed_at ?? o.created_at,
      marketplace: o.marketplace ?? '',
      kind: 'order' as const,
      text: `${orderLabel(o.order_id)} · ${o.status}${o.total_amount ? ` · ${o.currency ?? ''} ${o.total_amount}` : ''}`,
      to: null,
    })),
  ];
  return entries.sort((a, b) => b.at.localeCompare(a.at));
}

const splitList = (text: string) => [...new Set(text.split(',').map((x) => x.trim()).filter(Boolean))];

export function CustomerProfile({ customerId }: { customerId: string }) {
  const { t, i18n } = useTranslation();
  const query = useCustomer(customerId);
  const c = query.data;
  const update = useUpdateCustomer(c?.id ?? customerId);
  const unmerge = useUnmergeCustomer();
  const [tags, setTags] = useState('');
  const [notes, setNotes] = useState('');
  const [merging, setMerging] = useState(false);
  const [erasing, setErasing] = useState(false);
  const isAdmin = useMe().data?.user?.role === 'admin';
  useEffect(() => {
    setTags((c?.tags ?? []).join(', '));
    setNotes(c?.notes ?? '');
  }, [c?.id, c?.tags, c?.notes]);

  if (query.isPending) return <Spinner />;
  if (!c) return <ErrorNotice error={query.error} />;
  const date = (iso: string) => new Date(iso).toLocaleDateString(i18n.language);
  return (
    <article className="customers__profile" data-testid="customer-profile">
      <h1>
        {c.display_name || c.external_buyer_id}{' '}
        <span className={`tag tag--tier-${c.tier}`} data-testid="customer-tier" data-tier={c.tier}>
          {t(`customer.tier.${c.tier}`)}
        </span>
      </h1>
      <p className="bulk-bar__hint">
        {c.tier_source === 'manual' ? t('customers.manual') : c.tier_reason ? t('customers.tierReason', { reason: c.tier_reason }) : null}{' '}
        <select
          aria-label={t('customer.title')}
          value={c.tier_source === 'manual' ? c.tier : ''}
          onChange={(e) => update.mutate(e.target.value ? { tier: e.target.value as CustomerDetail['tier'] } : { tier_auto: true })}
        >
          <option value="">{t('customers.tierAuto')}</option>
          {(['high_value', 'potential', 'standard', 'new', 'low_activity', 'at_risk'] as const).map((tier) => (
            <option key={tier} value={tier}>
              {t(`customer.tier.${tier}`)}
            </option>
          ))}
        </select>
      </p>
      <div className="customers__stats">
        <div data-testid="customer-ltv">
          <span className="field__label">{t('customers.lifetimeValue')}</span>
          <strong>
            {c.lifetime_value.length ? c.lifetime_value.map((v) => `${v.currency} ${v.amount}`).join(' + ') : t('customers.noValue')}
          </strong>
        </div>
        <div>
          <span className="field__label">{t('customers.orders')}</span>
          <strong>{c.order_count}</strong>
        </div>
        <div>
          <span className="field__label">{t('customers.conversations')}</span>
          <strong>{c.conversation_count}</strong>
        </div>
      </div>
      <h3>{t('customers.identities')}</h3>
      <table className="table table--compact" data-testid="customer-identities">
        <tbody>
          {c.identities.map((i) => (
            <tr key={i.id}>
              <td>
                <MarketplaceBadge marketplace={i.marketplace} />
              </td>
              <td className="mono">{i.external_buyer_id}</td>
              <td>{i.email ?? ''}</td>
              <td>{i.phone ?? ''}</td>
              <td>
                {i.merged_into_id ? (
                  <button type="button" className="btn btn--ghost btn--sm" onClick={() => unmerge.mutate(i.id)}>
                    {t('customers.unmerge')}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="bulk-bar__line" style={{ margin: '8px 0' }}>
        <button type="button" className="btn btn--sm" data-testid="open-merge" onClick={() => setMerging(true)}>
          {t('customers.merge')}
        </button>
        {isAdmin ? (
          <button type="button" className="btn btn--sm btn--danger-ghost" data-testid="open-erase" onClick={() => setErasing(true)}>
            {t('customers.erase')}
          </button>
        ) : null}
      </div>
      <label className="field">
        <span className="field__label">{t('customers.tags')}</span>
        <input value={tags} placeholder={t('customers.tagsHint')} onChange={(e) => setTags(e.target.value)} data-testid="customer-tags" />
      </label>
      <label className="field">
        <span className="field__label">{t('customers.notes')}</span>
        <textarea rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </label>
      <button
        type="button"
        className="btn btn--primary btn--sm"
        data-testid="customer-save"
        disabled={update.isPending}
        onClick={() => update.mutate({ tags: splitList(tags), notes: notes || null })}
      >
        {t('customers.save')}
      </button>
      {update.isError ? <ErrorNotice error={update.error} /> : null}
      <h3>{t('customers.timeline')}</h3>
      <ul className="timeline" data-testid="customer-timeline">
        {timeline(c, (id) => t('customers.order', { id })).map((e) => (
          <li key={e.key} data-kind={e.kind} data-marketplace={e.marketplace}>
            <time dateTime={e.at}>{date(e.at)}</time>
            <MarketplaceBadge marketplace={e.marketplace} />
            {e.to ? <Link to={e.to}>{e.text}</Link> : <span>{e.text}</span>}
          </li>
        ))}
      </ul>
      {merging ? <MergeDialog into={c} onClose={() => setMerging(false)} /> : null}
      {erasing ? <EraseDialog customer={c} onClose={() => setErasing(false)} /> : null}
    </article>
  );
}
