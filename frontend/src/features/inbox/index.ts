export { InboxPanel } from './components/inbox-panel';
export { ViewNav } from './components/view-nav';
