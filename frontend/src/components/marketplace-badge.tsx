import { useTranslation } from 'react-i18next';

const KNOWN = ['walmart', 'amazon', 'ebay', 'shopee', 'tiktok', 'email', 'api'];

/** A small coloured tag per marketplace so agents can scan a mixed inbox at a glance. */
export function MarketplaceBadge({ marketplace }: { marketplace: string }) {
  const { t } = useTranslation();
  const known = KNOWN.includes(marketplace);
  return (
    <span className={`mp mp--${known ? marketplace : 'other'}`} data-marketplace={marketplace}>
      {known ? t(`marketplace.${marketplace}`) : marketplace}
    </span>
  );
}
