import { useCallback, useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '@/components/language-switch';
import { Logo } from '@/components/logo';
import { Toasts } from '@/components/toasts';
import { StatusSelect, useLogout, useSession } from '@/features/auth';
import { useOfflineOutbox } from '@/features/composer';
import { NotificationBell, OverflowBanner, useNotificationCenter } from '@/features/notifications';
import { AvailabilityBadge } from '@/features/shifts';
import { useRealtime } from '@/features/realtime';
import { useMe } from '@/hooks/use-directory';
import { ConnectionIndicator } from './connection-indicator';

const linkClass = ({ isActive }: { isActive: boolean }) => `topbar__link${isActive ? ' is-active' : ''}`;

export function AppShell() {
  const { t } = useTranslation();
  const session = useSession();
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const token = session?.token ?? null;
  const scopes = me.data?.scopes ?? [];
  // On a phone the navigation and the header controls fold behind a menu button; a new page closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setMenuOpen(false), [pathname]);

  const openConversation = useCallback((id: string) => navigate(`/inbox/${id}`), [navigate]);
  const notify = useNotificationCenter(me.data?.user?.id ?? null, openConversation);
  useRealtime(token, notify);
  useOfflineOutbox(me.data?.user?.id ?? null);
  const role = me.data?.user?.role;
  const supervising = role === 'supervisor' || role === 'admin';

  return (
    <div className="shell">
      <header className={`topbar${menuOpen ? ' is-open' : ''}`}>
        <div className="topbar__brand">
          <Logo />
          Hourglass
        </div>
        <button
          type="button"
          className="btn btn--ghost btn--sm topbar__menu"
          aria-expanded={menuOpen}
          aria-controls="topbar-menu"
          data-testid="nav-menu"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span> {t('header.menu')}
        </button>
        <nav className="topbar__nav" id="topbar-menu" aria-label={t('header.menu')}>
          <NavLink to="/inbox" className={linkClass} data-testid="nav-inbox">
            {t('nav.inbox')}
          </NavLink>
          {scopes.includes('cases:read') ? (
            <NavLink to="/cases" className={linkClass} data-testid="nav-cases">
              {t('nav.cases')}
            </NavLink>
          ) : null}
          {scopes.includes('metrics:read') ? (
            <NavLink to="/dashboard" className={linkClass} data-testid="nav-dashboard">
              {t('nav.dashboard')}
            </NavLink>
          ) : null}
          {scopes.includes('metrics:read') ? (
            <NavLink to="/reports" className={linkClass} data-testid="nav-reports">
              {t('nav.reports')}
            </NavLink>
          ) : null}
          {scopes.includes('metrics:read') ? (
            <NavLink to="/insight" className={linkClass} data-testid="nav-insight">
              {t('nav.insight')}
            </NavLink>
          ) : null}
          <NavLink to="/shifts" className={linkClass} data-testid="nav-shifts">
            {t('nav.shifts')}
          </NavLink>
          {scopes.includes('customers:read') ? (
            <NavLink to="/customers" className={linkClass} data-testid="nav-customers">
              {t('nav.customers')}
            </NavLink>
          ) : null}
          {scopes.includes('settings:read') ? (
            <NavLink to="/knowledge" className={linkClass} data-testid="nav-knowledge">
              {t('nav.knowledge')}
            </NavLink>
          ) : null}
          <NavLink to="/settings" className={linkClass} data-testid="nav-settings">
            {t('nav.settings')}
          </NavLink>
        </nav>
        <div className="topbar__end">
          <ConnectionIndicator />
          <NotificationBell onOpenConversation={openConversation} />
          <LanguageSwitch />
          <span className="topbar__user" data-testid="current-user">
            {me.data?.user?.name ?? ''}
          </span>
          <AvailabilityBadge />
          <StatusSelect />
          <button
            type="button"
            className="btn btn--ghost btn--sm"
            onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login') })}
          >
            {t('header.logout')}
          </button>
        </div>
      </header>
      <OverflowBanner enabled={supervising} onOpenQueue={() => navigate('/inbox?view=response_needed&assignee=none')} />
      <main className="shell__main">
        <Outlet />
      </main>
      <Toasts onOpenConversation={openConversation} />
    </div>
  );
}
