export { AvailabilityBadge } from './components/availability-badge';
export { ShiftsPage } from './components/shifts-page';
