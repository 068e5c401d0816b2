export { CsatDecision } from './components/csat-decision';
export { InsightPage, type InsightSection } from './components/insight-page';
