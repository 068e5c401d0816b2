export { KnowledgePage } from './components/knowledge-page';
