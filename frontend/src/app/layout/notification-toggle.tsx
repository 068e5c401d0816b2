import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notificationPermission, requestNotificationPermission } from '@/lib/browser-notifications';

/** Browsers only ask for notification permission after a click; this is that click. */
export function NotificationToggle() {
  const { t } = useTranslation();
  const [permission, setPermission] = useState(notificationPermission);
  if (permission === 'unsupported' || permission === 'granted') return null;
  return (
    <button
      type="button"
      className="btn btn--ghost btn--sm"
      disabled={permission === 'denied'}
      title={permission === 'denied' ? t('header.notificationsBlocked') : t('header.notificationsHint')}
      onClick={() => void requestNotificationPermission().then(setPermission)}
    >
      {t('header.enableNotifications')}
    </button>
  );
}
