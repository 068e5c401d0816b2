/**
 * Query keys shared by the features and by the realtime event handlers, which update or invalidate
 * the same cache entries without importing any feature.
 */
export interface ConversationFilters {
  view: string;
  channel_id?: string;
  marketplace?: string;
  assignee?: string;
  team_id?: string;
  status?: string;
  category?: string;
  priority?: string;
  sla_state?: string;
  sort?: string;
  q?: string;
}

export const queryKeys = {
  me: ['me'] as const,
  users: ['users'] as const,
  teams: ['teams'] as const,
  channels: ['channels'] as const,
  capabilities: ['capabilities'] as const,
  conversations: {
    all: ['conversations'] as const,
    lists: ['conversations', 'list'] as const,
    list: (filters: ConversationFilters) => ['conversations', 'list', filters] as const,
    counts: ['conversations', 'counts'] as const,
    countsFor: (filters: Omit<ConversationFilters, 'view'>) => ['conversations', 'counts', filters] as const,
    details: ['conversations', 'detail'] as const,
    detail: (id: string) => ['conversations', 'detail', id] as const,
    activity: (id: string) => ['conversations', 'activity', id] as const,
  },
  templates: {
    all: ['templates'] as const,
    preview: (templateId: string, conversationId: string) => ['templates', 'preview', templateId, conversationId] as const,
  },
} as const;
