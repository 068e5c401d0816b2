import { useTranslation } from 'react-i18next';
import { CountdownBadge } from '@/components/countdown-badge';
import { MarketplaceBadge } from '@/components/marketplace-badge';
import { useChannelNames } from '@/hooks/use-directory';
import { readSla } from '@/lib/sla-fields';
import type { ConversationDetail } from '../api/get-conversation';
import { PresenceIndicator } from './presence-indicator';

export function ConversationHeader({ conversation: c, onClose }: { conversation: ConversationDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const channelNames = useChannelNames();
  const sla = readSla(c);
  return (
    <header className="ws-header">
      <div className="ws-header__top">
        <h2 className="ws-header__subject" data-testid="conversation-subject">
          {c.subject || t('inbox.noSubject')}
        </h2>
        <CountdownBadge deadline={sla.deadline} state={sla.state} dueSoonAt={sla.dueSoonAt} />
        <button type="button" className="btn btn--ghost btn--sm" aria-label={t('common.close')} data-testid="conversation-close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="ws-header__meta">
        <MarketplaceBadge marketplace={c.marketplace} />
        <span>{channelNames.get(c.channel_id) ?? ''}</span>
        <span className="dot-sep">{c.customer?.display_name ?? t('inbox.unknownBuyer')}</span>
        {c.order_id ? <span className="dot-sep mono">#{c.order_id}</span> : null}
        {c.spam_reason ? <span className="tag tag--danger">{t(`spamReason.${c.spam_reason}`)}</span> : null}
        <span className={`tag tag--status-${c.status}`}>{t(`status.${c.status}`)}</span>
        <PresenceIndicator conversationId={c.id} />
      </div>
    </header>
  );
}
