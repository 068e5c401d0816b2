/**
 * Browser notifications for escalations: an agent working in another window still learns
 * that a reply is about to breach. Permission can only be asked from a click, so the header asks.
 */
export type Permission = NotificationPermission | 'unsupported';

export function notificationPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export async function requestNotificationPermission(): Promise<Permission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

export function showBrowserNotification(options: { title: string; body: string; tag: string; onClick: () => void }): void {
  if (notificationPermission() !== 'granted') return;
  try {
    const n = new Notification(options.title, { body: options.body, tag: options.tag });
    n.onclick = () => {
      window.focus();
      options.onClick();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker; the in-app toast still shows.
  }
}
