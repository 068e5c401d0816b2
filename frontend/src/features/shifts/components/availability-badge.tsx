import { useTranslation } from 'react-i18next';
import { useMe } from '@/hooks/use-directory';
import { formatDateTime, formatShortWhen } from '@/lib/format';
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
  // The header shows the short form ("until 18:00", "next Mon 09:00"); the full date is the tooltip.
  const describe = (format: (iso: string) => string) => {
    if (state === 'off_shift') return mine?.next ? t('shifts.badge.nextShift', { when: format(mine.next.start) }) : t('shifts.badge.noNext');
    return mine?.current ? t('shifts.badge.until', { when: format(mine.current.end) }) : null;
  };
  const detail = describe((iso) => formatShortWhen(iso, Date.now(), i18n.language));
  const full = describe((iso) => formatDateTime(iso, i18n.language));
  return (
    <span className={`avail avail--${state}`} data-testid="availability-badge" data-state={state} title={full ?? undefined}>
      <span className="avail__dot" aria-hidden />
      {t(`shifts.badge.${state}`)}
      {detail ? <span className="avail__detail">{detail}</span> : null}
    </span>
  );
}
