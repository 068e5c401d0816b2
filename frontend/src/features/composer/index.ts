export { Composer } from './components/composer';
export { useOfflineOutbox } from './hooks/use-offline-outbox';
