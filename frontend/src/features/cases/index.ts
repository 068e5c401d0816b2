export { CasePanel } from './components/case-panel';
export { CasesPage } from './components/cases-page';
