export { useRealtime } from './hooks/use-realtime';
export { useNotificationPoll } from './hooks/use-notification-poll';
export { useEscalationNotices } from './hooks/use-escalation-notices';
