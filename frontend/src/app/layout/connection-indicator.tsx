import { useTranslation } from 'react-i18next';
import { useConnectionStatus } from '@/hooks/use-realtime-state';

/** Live (pushed), connecting, or polling: agents should know whether what they see can be seconds old. */
export function ConnectionIndicator() {
  const { t } = useTranslation();
  const status = useConnectionStatus();
  const mode = status === 'open' ? 'live' : status === 'connecting' ? 'connecting' : 'polling';
  return (
    <span className={`conn conn--${mode}`} data-testid="connection-status" data-status={status} title={t(`header.${mode}Hint`)}>
      <span className="conn__dot" aria-hidden />
      {t(`header.${mode}`)}
    </span>
  );
}
