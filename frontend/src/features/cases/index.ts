export { CasePanel } from './components/case-panel';
export { CaseSettingsPage } from './components/case-settings-page';
export { CasesPage } from './components/cases-page';
