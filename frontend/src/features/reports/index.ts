export { AgentPage } from './components/agent-page';
export { ReportsPage } from './components/reports-page';
