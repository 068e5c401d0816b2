import { useTranslation } from 'react-i18next';
import { useMe } from '@/hooks/use-directory';
import { useAnnounceViewing, useViewers } from '@/hooks/use-realtime-state';

/** "Li Na is viewing": two agents answering the same buyer is how duplicate replies happen. */
export function PresenceIndicator({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  useAnnounceViewing(conversationId);
  const me = useMe();
  const others = useViewers(conversationId).filter((v) => v.userId !== me.data?.user?.id);
  if (others.length === 0) return null;
  const names = others.map((v) => v.name ?? t('thread.agent'));
  return (
    <div className="presence" data-testid="presence" title={names.join(', ')}>
      <span className="presence__dots">
        {names.slice(0, 3).map((n, i) => (
          <span key={`${n}-${i}`} className="avatar avatar--xs">
            {n.slice(0, 1).toUpperCase()}
          </span>
        ))}
      </span>
      {t('presence.viewing', { count: names.length, names: names.join(', ') })}
    </div>
  );
}
