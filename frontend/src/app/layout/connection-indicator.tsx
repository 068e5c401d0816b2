import { useTranslation } from 'react-i18next';
import { useConnectionStatus } from '@/hooks/use-realtime-state';

/** Live (pushed) or polling: agents should know whether what they see can be seconds old. */
export function ConnectionIndicator() {
  const { t } = useTranslation();
  const status = useConnectionStatus();
  const live = status === 'open';
  return (
    <span
      className={`conn conn--${live ? 'live' : 'polling'}`}
      data-testid="connection-status"
      data-status={status}
      title={live ? t('header.liveHint') : t('header.pollingHint')}
    >
      <span className="conn__dot" aria-hidden />
      {live ? t('header.live') : t('header.polling')}
    </span>
  );
}
