export { NotificationBell } from './components/notification-bell';
export { useNotificationCenter } from './hooks/use-notification-center';
