export { NotificationBell } from './components/notification-bell';
export { OverflowBanner } from './components/overflow-banner';
export { OverflowSettingsPanel } from './components/overflow-settings';
export { useNotificationCenter } from './hooks/use-notification-center';
