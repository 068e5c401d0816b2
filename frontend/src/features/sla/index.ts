export { PoliciesPage } from './components/policies-page';
export { CalendarsPage } from './components/calendars-page';
