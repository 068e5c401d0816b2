export { AuditLogPage } from './components/audit-log-page';
export { ExportsPage } from './components/exports-page';
