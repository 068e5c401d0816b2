import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadFailed } from '@/components/feedback';
import { useServerNow } from '@/hooks/use-server-now';
import { notificationPermission, requestNotificationPermission, type Permission } from '@/lib/browser-notifications';
import { formatRelative } from '@/lib/format';
import { describeNotice } from '@/lib/notifications';
import { UNREAD_LIMIT, useMarkNotificationsRead, useNotificationList, useUnreadNotifications, type Notification } from '../api/notifications';

function BellIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.73 21a2 2 0 0 1-3.46 0" />
    </svg>
  );
}

/** The bell: unread count, the latest notifications, mark read, and the switch for desktop alerts. */
export function NotificationBell({ onOpenConversation }: { onOpenConversation: (id: string) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const unread = useUnreadNotifications(true);
  const count = unread.data?.length ?? 0;
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const label = count >= UNREAD_LIMIT ? `${UNREAD_LIMIT - 1}+` : String(count);
  return (
    <div className="bell" ref={ref}>
      <button
        type="button"
        className={`btn btn--ghost btn--sm bell__btn${open ? ' is-active' : ''}`}
        aria-label={t('bell.label', { count })}
        aria-expanded={open}
        data-testid="notification-bell"
        data-unread={count}
        onClick={() => setOpen((v) => !v)}
      >
        <BellIcon />
        {count > 0 ? (
          <span className="bell__badge" data-testid="notification-count">
            {label}
          </span>
        ) : null}
      </button>
      {open ? (
        <NotificationPanel
          onOpen={(id) => {
            setOpen(false);
            onOpenConversation(id);
          }}
        />
      ) : null}
    </div>
  );
}

function NotificationPanel({ onOpen }: { onOpen: (conversationId: string) => void }) {
  const { t, i18n } = useTranslation();
  const list = useNotificationList(true);
  const unread = useUnreadNotifications(true);
  const markRead = useMarkNotificationsRead();
  const now = useServerNow();
  const items = list.data ?? [];
  const unreadIds = (unread.data ?? []).map((n) => n.id);

  return (
    <div className="popover bell__panel" role="dialog" aria-label={t('bell.title')} data-testid="notification-panel">
      <header className="bell__head">
        <strong>{t('bell.title')}</strong>
        <button type="button" className="btn btn--link" disabled={unreadIds.length === 0 || markRead.isPending} onClick={() => markRead.mutate(unreadIds)}>
          {t('bell.markAll')}
        </button>
      </header>
      <DesktopAlerts />
      <LoadFailed what={t('common.part.notifications')} error={list.error ?? unread.error} onRetry={() => void list.refetch()} testId="notifications-failed" />
      {items.length === 0 && !list.isError ? (
        <div className="bell__empty">{list.isLoading ? t('common.loading') : t('bell.empty')}</div>
      ) : (
        <ul className="bell__list">
          {items.map((n) => (
            <NotificationItem
              key={n.id}
              n={n}
              now={now}
              locale={i18n.language}
              onClick={() => {
                if (!n.read_at) markRead.mutate([n.id]);
                if (n.conversation_id) onOpen(n.conversation_id);
              }}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function NotificationItem({ n, now, locale, onClick }: { n: Notification; now: number; locale: string; onClick: () => void }) {
  const { t } = useTranslation();
  const text = describeNotice(n, t, locale);
  return (
    <li>
      <button type="button" className={`bell__item bell__item--${text.tone}${n.read_at ? '' : ' is-unread'}`} data-testid="notification-item" data-kind={n.kind} onClick={onClick}>
        <span className="bell__item-title">
          {n.read_at ? null : <span className="bell__dot" aria-label={t('bell.unread')} />}
          {text.title}
          {text.reference ? <span className="bell__ref">{text.reference}</span> : null}
        </span>
        {text.detail ? <span className="bell__detail">{text.detail}</span> : null}
        <time className="bell__time" dateTime={n.created_at}>
          {formatRelative(n.created_at, now, locale)}
        </time>
      </button>
    </li>
  );
}

/** Browsers allow notification permission requests only from a click: this row is that click. */
function DesktopAlerts() {
  const { t } = useTranslation();
  const [permission, setPermission] = useState<Permission>(notificationPermission);
  if (permission === 'unsupported') return null;
  return (
    <div className={`bell__desktop bell__desktop--${permission}`} data-testid="desktop-alerts" data-permission={permission}>
      {permission === 'granted' ? (
        <span>{t('bell.desktopOn')}</span>
      ) : permission === 'denied' ? (
        <span>{t('bell.desktopBlocked')}</span>
      ) : (
        <>
          <span>{t('bell.desktopHint')}</span>
          <button type="button" className="btn btn--sm btn--primary" onClick={() => void requestNotificationPermission().then(setPermission)}>
            {t('bell.desktopEnable')}
          </button>
        </>
      )}
    </div>
  );
}
