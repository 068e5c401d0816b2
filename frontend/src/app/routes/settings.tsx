import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink, useParams } from 'react-router';
import { Spinner } from '@/components/feedback';
import { AssignmentPage, AutoRepliesPage } from '@/features/automation';
import { CaseSettingsPage } from '@/features/cases';
import { AuditLogPage, ExportsPage } from '@/features/exports';
import { MacrosPage } from '@/features/macros';
import { OverflowSettingsPanel } from '@/features/notifications';
import {
  ApiKeysPage,
  ChannelsPage,
  CollaborationPage,
  CsatPage,
  PeoplePage,
  PrivacyPage,
  TranslationPage,
} from '@/features/settings';
import { CalendarsPage, PoliciesPage } from '@/features/sla';
import { TemplatesPage } from '@/features/templates';
import { WebhooksPage } from '@/features/webhooks';
import { useMe } from '@/hooks/use-directory';

interface Section {
  key: string;
  /** scope needed to see it; `admin` means the admin role, `supervising` a supervisor or admin */
  read: string;
  render: (can: (scope: string) => boolean) => ReactNode;
}

const SECTIONS: readonly Section[] = [
  { key: 'channels', read: 'channels:read', render: (can) => <ChannelsPage canEdit={can('channels:write')} /> },
  { key: 'sla', read: 'settings:read', render: (can) => <PoliciesPage canEdit={can('settings:write')} /> },
  { key: 'calendars', read: 'settings:read', render: (can) => <CalendarsPage canEdit={can('settings:write')} /> },
  { key: 'templates', read: 'conversations:read', render: (can) => <TemplatesPage canEdit={can('settings:write')} /> },
  { key: 'macros', read: 'conversations:write', render: (can) => <MacrosPage canShareOrg={can('settings:write')} /> },
  { key: 'auto-replies', read: 'settings:read', render: (can) => <AutoRepliesPage canEdit={can('settings:write')} /> },
  { key: 'assignment', read: 'settings:read', render: (can) => <AssignmentPage canEdit={can('settings:write')} /> },
  { key: 'cases', read: 'settings:read', render: (can) => <CaseSettingsPage canEdit={can('settings:write')} /> },
  { key: 'webhooks', read: 'webhooks:read', render: (can) => <WebhooksPage canEdit={can('webhooks:write')} /> },
  { key: 'translation', read: 'conversations:read', render: (can) => <TranslationPage canEdit={can('settings:write')} /> },
  { key: 'csat', read: 'settings:read', render: (can) => <CsatPage canEdit={can('settings:write')} /> },
  { key: 'privacy', read: 'settings:read', render: (can) => <PrivacyPage canEdit={can('admin')} /> },
  { key: 'collaboration', read: 'conversations:read', render: (can) => <CollaborationPage canEdit={can('settings:write')} /> },
  { key: 'overflow', read: 'settings:read', render: (can) => <OverflowSettingsPanel canEdit={can('admin')} /> },
  { key: 'people', read: 'settings:read', render: (can) => <PeoplePage canEdit={can('admin')} /> },
  { key: 'api-keys', read: 'admin', render: () => <ApiKeysPage /> },
  { key: 'audit', read: 'supervising', render: () => <AuditLogPage /> },
  {
    key: 'exports',
    read: 'exports:read',
    render: (can) => <ExportsPage canAudit={can('supervising')} canCreate={can('exports:write')} />,
  },
];

const NAV_KEY: Record<string, string> = {
  channels: 'channels',
  sla: 'sla',
  calendars: 'calendars',
  templates: 'templates',
  macros: 'macros',
  'auto-replies': 'autoReplies',
  assignment: 'assignment',
  cases: 'cases',
  webhooks: 'webhooks',
  translation: 'translation',
  csat: 'csat',
  privacy: 'privacy',
  collaboration: 'collaboration',
  overflow: 'overflow',
  people: 'people',
  'api-keys': 'apiKeys',
  audit: 'audit',
  exports: 'exports',
};

/** Settings: one page per area, listed by what the signed-in role may see. */
export default function SettingsRoute() {
  const { t } = useTranslation();
  const { section } = useParams();
  const me = useMe();
  if (!me.data) return <Spinner />;
  const scopes = me.data.scopes;
  const role = me.data.user?.role;
  const can = (scope: string) =>
    scope === 'admin' ? role === 'admin' : scope === 'supervising' ? role === 'admin' || role === 'supervisor' : scopes.includes(scope);
  const visible = SECTIONS.filter((s) => can(s.read));
  const current = visible.find((s) => s.key === section);
  if (!current) return visible[0] ? <Navigate to={`/settings/${visible[0].key}`} replace /> : null;
  return (
    <div className="settings" data-testid="settings">
      <nav className="settings__nav" aria-label={t('settings.title')}>
        <h1>{t('settings.title')}</h1>
        {visible.map((s) => (
          <NavLink key={s.key} to={`/settings/${s.key}`} className={({ isActive }) => `settings__link${isActive ? ' is-active' : ''}`} data-testid={`settings-nav-${s.key}`}>
            {t(`settings.nav.${NAV_KEY[s.key]}`)}
          </NavLink>
        ))}
      </nav>
      <div className="settings__body">{current.render(can)}</div>
    </div>
  );
}
