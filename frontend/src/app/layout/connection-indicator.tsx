import { useTranslation } from 'react-i18next';
import { useBrowserOnline } from '@/hooks/use-online';
import { useConnectionStatus } from '@/hooks/use-realtime-state';

/**
 * Live (pushed), connecting, or offline: agents should know whether what they see can be old. The
 * browser without a network, or a live connection that cannot be opened, is Offline (the inbox still
 * refreshes every few seconds while only the socket is down; replies sent offline are queued).
 */
export function ConnectionIndicator() {
  const { t } = useTranslation();
  const status = useConnectionStatus();
  const online = useBrowserOnline();
  const mode = !online ? 'offline' : status === 'open' ? 'live' : status === 'connecting' ? 'connecting' : 'offline';
  const hint = !online ? 'offlineHint' : mode === 'offline' ? 'noSocketHint' : `${mode}Hint`;
  return (
    <span
      className={`conn conn--${mode}`}
      data-testid="connection-status"
      data-status={online ? status : 'offline'}
      data-mode={mode}
      title={t(`header.${hint}`)}
      role="status"
    >
      <span className="conn__dot" aria-hidden />
      {t(`header.${mode}`)}
    </span>
  );
}
