import { useTranslation } from 'react-i18next';
import { useMe } from '@/hooks/use-directory';
import { formatDateTime } from '@/lib/format';
import { useBoard } from '../api/shifts';
import { useActivityPing } from '../hooks/use-activity-ping';
import { availabilityOf } from '../lib/roster';
import '../shifts.css';

/**
 * The signed-in person's own availability in the header: available, away (idle or logged out on
 * shift) or off shift, with their next shift. It also sends the activity pings that bring them back.
 */
export function AvailabilityBadge() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const board = useBoard();
  const userId = me.data?.user?.id;
  useActivityPing(Boolean(userId));
  if (!userId || !board.data) return null;
  const mine = board.data.find((b) => b.user_id === userId) ?? null;
  const state = availabilityOf(me.data?.user?.status, mine);
  const next = mine?.next ? formatDateTime(mine.next.start, i18n.language) : null;
  const until = mine?.current ? formatDateTime(mine.current.end, i18n.language) : null;
  const detail = state === 'off_shift' ? (next ? t('shifts.badge.nextShift', { when: next }) : t('shifts.badge.noNext')) : until ? t('shifts.badge.until', { when: until }) : null;
  return (
    <span className={`avail avail--${state}`} data-testid="availability-badge" data-state={state} title={detail ?? undefined}>
      <span className="avail__dot" aria-hidden />
      {t(`shifts.badge.${state}`)}
      {detail ? <span className="avail__detail">{detail}</span> : null}
    </span>
  );
}
