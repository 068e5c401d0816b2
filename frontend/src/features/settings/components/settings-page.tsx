import { useTranslation } from 'react-i18next';
import { useMe } from '@/hooks/use-directory';
import { ChannelsSection } from './channels-section';
import { TeamsSection, UsersSection } from './people-section';

/** Stores (channels), people and teams: what the current API can manage. */
export function SettingsPage() {
  const { t } = useTranslation();
  const me = useMe();
  const scopes = me.data?.scopes ?? [];
  return (
    <div className="settings" data-testid="settings">
      <h1>{t('settings.title')}</h1>
      <ChannelsSection canEdit={scopes.includes('channels:write')} />
      <TeamsSection canEdit={scopes.includes('settings:write')} />
      <UsersSection />
    </div>
  );
}
