import { useTranslation } from 'react-i18next';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import type { ConversationDetail } from '../api/get-conversation';

const TIERS = ['standard', 'high_value', 'potential', 'low_activity', 'new', 'at_risk'];

export function CustomerPanel({ conversation }: { conversation: ConversationDetail }) {
  const { t } = useTranslation();
  const profile = conversation.customer_profile;
  const summary = conversation.customer;
  if (!profile && !summary) return null;
  const tier = profile?.tier ?? summary?.tier ?? 'standard';

  return (
    <section className="side-section" data-testid="customer-panel">
      <h3 className="side-section__title">{t('customer.title')}</h3>
      <div className="customer__name">
        {profile?.display_name ?? summary?.display_name}
        {tier !== 'standard' ? <span className={`tag tag--tier-${tier}`}>{TIERS.includes(tier) ? t(`customer.tier.${tier}`) : tier}</span> : null}
      </div>
      <dl className="facts">
        <dt>{t('customer.marketplace')}</dt>
        <dd>
          <MarketplaceBadge marketplace={profile?.marketplace ?? summary?.marketplace ?? conversation.marketplace} />
        </dd>
        {profile?.email ? (
          <>
            <dt>{t('customer.email')}</dt>
            <dd className="mono">{profile.email}</dd>
          </>
        ) : null}
        {profile ? (
          <>
            <dt>{t('customer.buyerId')}</dt>
            <dd className="mono">{profile.external_buyer_id}</dd>
          </>
        ) : null}
      </dl>
      {profile && profile.tags.length > 0 ? (
        <div className="labels">
          {profile.tags.map((tag) => (
            <span key={tag} className="chip">
              {tag}
            </span>
          ))}
        </div>
      ) : null}
      {profile?.notes ? <p className="customer__notes">{profile.notes}</p> : null}
    </section>
  );
}
