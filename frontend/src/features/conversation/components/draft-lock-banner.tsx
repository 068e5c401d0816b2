import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '@/components/feedback';
import { useMe } from '@/hooks/use-directory';
import { heldAt, useDraftLock, useDraftLockAction } from '@/hooks/use-draft-lock';
import { useServerNow } from '@/hooks/use-server-now';
import { formatRelative } from '@/lib/format';

const SUPERVISING = ['supervisor', 'admin'];

/**
 * Who holds the conversation's draft lock (when the organization uses them). A colleague's lock is a
 * warning, not a wall: reading and drafting stay open, sending waits, a supervisor may take it over.
 */
export function DraftLockBanner({ conversationId }: { conversationId: string }) {
  const { t, i18n } = useTranslation();
  const lock = useDraftLock(conversationId);
  const takeOver = useDraftLockAction(conversationId);
  const me = useMe();
  const now = useServerNow();
  if (!lock.data || !heldAt(lock.data, now) || !lock.data.holder) return null;
  const holder = lock.data.holder;
  const until = formatRelative(holder.expires_at, now, i18n.language);
  if (lock.data.mine) {
    return (
      <div className="notice notice--info draft-lock" data-testid="draft-lock-holder" data-mine="true">
        {t('draftLock.mine', { time: until })}
      </div>
    );
  }
  const canTakeOver = SUPERVISING.includes(me.data?.user?.role ?? '');
  return (
    <div className="notice notice--warn draft-lock" role="status" data-testid="draft-lock-holder" data-mine="false">
      <span>{t('draftLock.heldBy', { name: holder.name || t('thread.agent'), time: until })}</span>
      {canTakeOver ? (
        <button type="button" className="btn btn--sm" data-testid="draft-lock-take-over" disabled={takeOver.isPending} onClick={() => takeOver.mutate('take-over')}>
          {t('draftLock.takeOver')}
        </button>
      ) : null}
      {takeOver.error ? <ErrorNotice error={takeOver.error} /> : null}
    </div>
  );
}
