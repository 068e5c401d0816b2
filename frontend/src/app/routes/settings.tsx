import { SettingsPage } from '@/features/settings';

export function SettingsRoute() {
  return <SettingsPage />;
}
