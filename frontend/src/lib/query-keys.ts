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
    draftLock: (id: string) => ['conversations', 'draft-lock', id] as const,
  },
  templates: {
    all: ['templates'] as const,
    preview: (templateId: string, conversationId: string) => ['templates', 'preview', templateId, conversationId] as const,
    library: ['templates', 'library'] as const,
    variables: ['templates', 'variables'] as const,
  },
  metrics: {
    all: ['metrics'] as const,
    overview: ['metrics', 'overview'] as const,
    responseRate: (windowDays: number) => ['metrics', 'response-rate', windowDays] as const,
    workload: (userId: string) => ['metrics', 'workload', userId] as const,
  },
  notifications: {
    all: ['notifications'] as const,
    list: ['notifications', 'list'] as const,
    unread: ['notifications', 'unread'] as const,
    overflow: ['notifications', 'overflow'] as const,
    overflowSettings: ['notifications', 'overflow-settings'] as const,
  },
  sla: {
    policies: ['sla', 'policies'] as const,
    calendars: ['sla', 'calendars'] as const,
  },
  automation: {
    rules: ['automation', 'rules'] as const,
    runs: (ruleId: string | null) => ['automation', 'runs', ruleId] as const,
  },
  assignment: {
    rules: ['assignment', 'rules'] as const,
  },
  webhooks: {
    all: ['webhooks'] as const,
    list: ['webhooks', 'list'] as const,
    eventTypes: ['webhooks', 'event-types'] as const,
    deliveries: (endpointId: string, status: string | null) => ['webhooks', 'deliveries', endpointId, status] as const,
    delivery: (endpointId: string, deliveryId: string) => ['webhooks', 'delivery', endpointId, deliveryId] as const,
  },
  cases: {
    all: ['cases'] as const,
    list: (filters: object) => ['cases', 'list', filters] as const,
    ofConversation: (conversationId: string) => ['cases', 'conversation', conversationId] as const,
    detail: (id: string) => ['cases', 'detail', id] as const,
    settings: ['cases', 'settings'] as const,
    // Under `templates` so a template change refreshes the follow-up picker too.
    templateChoices: ['templates', 'case-followup-choices'] as const,
  },
  bulkJobs: {
    detail: (id: string) => ['bulk-jobs', id] as const,
  },
  customers: {
    all: ['customers'] as const,
    list: (q: string, tier: string) => ['customers', 'list', q, tier] as const,
    detail: (id: string) => ['customers', 'detail', id] as const,
  },
  knowledge: {
    all: ['knowledge'] as const,
    list: (filters: { q: string; status: string; language: string }) => ['knowledge', 'list', filters] as const,
    article: (id: string) => ['knowledge', 'article', id] as const,
    versions: (id: string, language: string) => ['knowledge', 'versions', id, language] as const,
    preview: (body: string) => ['knowledge', 'preview', body] as const,
    helpSites: ['knowledge', 'help-sites'] as const,
    suggestions: (conversationId: string) => ['knowledge', 'suggestions', conversationId] as const,
    deflection: (days: number) => ['knowledge', 'deflection', days] as const,
    topQuestions: (filters: { from: string; to: string; marketplace: string }) => ['knowledge', 'top-questions', filters] as const,
  },
  apiKeys: ['api-keys'] as const,
  scopes: ['scopes'] as const,
} as const;
