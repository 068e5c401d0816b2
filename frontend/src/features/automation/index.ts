export { AutoRepliesPage } from './components/auto-replies-page';
export { AssignmentPage } from './components/assignment-page';
