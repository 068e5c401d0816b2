export { ConversationWorkspace } from './components/conversation-workspace';
export type { ConversationDetail } from './api/get-conversation';
