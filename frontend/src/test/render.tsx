import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { components } from '@/api/schema';
import { i18n } from '@/lib/i18n';
import { createQueryClient } from '@/lib/react-query';

type S = components['schemas'];

/** The app's own query client (its retry rules included) and a router at `path`, in `language`. */
export async function renderApp(ui: ReactElement, { path = '/inbox', route = '*', language = 'en' } = {}) {
  await i18n.changeLanguage(language);
  const queryClient = createQueryClient();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={ui} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { ...view, queryClient };
}

const ISO = '2026-12-04T10:00:00Z';
export const ORG = '0196f000-0000-7000-8000-0000000000aa';
export const ME = '0196f000-0000-7000-8000-0000000000a1';
export const CHANNEL = '0196f000-0000-7000-8000-0000000000c1';

export function user(overrides: Partial<S['UserRead']> = {}): S['UserRead'] {
  return {
    id: ME,
    organization_id: ORG,
    email: 'demo@hourglass.local',
    name: 'Demo Admin',
    role: 'admin',
    status: 'online',
    capacity: 20,
    locale: 'en',
    is_active: true,
    created_at: ISO,
    ...overrides,
  } as S['UserRead'];
}

export const me = (): S['Me'] => ({ organization_id: ORG, user: user(), api_key_id: null, scopes: [] }) as unknown as S['Me'];

export function channel(overrides: Partial<S['ChannelRead']> = {}): S['ChannelRead'] {
  return {
    id: CHANNEL,
    marketplace: 'amazon',
    name: 'Amazon US',
    external_account_id: 'A1',
    region: 'us',
    settings: {},
    status: 'active',
    has_credentials: true,
    default_team_id: null,
    created_at: ISO,
    updated_at: ISO,
    disabled_at: null,
    sync: null,
    ...overrides,
  } as S['ChannelRead'];
}

export function conversation(id: string, overrides: Partial<S['ConversationRead']> = {}): S['ConversationRead'] {
  return {
    id,
    channel_id: CHANNEL,
    marketplace: 'amazon',
    external_thread_id: `thread-${id}`,
    subject: `Subject ${id}`,
    category: 'order_status',
    priority: 'normal',
    status: 'open',
    labels: [],
    assignee_id: null,
    team_id: null,
    unread: true,
    waiting_since: ISO,
    customer: { id: `cust-${id}`, display_name: `Buyer ${id}`, marketplace: 'amazon', tier: 'standard' },
    order_id: null,
    item_id: null,
    last_message_at: ISO,
    last_message_preview: `Preview ${id}`,
    message_count: 1,
    has_failed_delivery: false,
    failure: null,
    spam_reason: null,
    created_at: ISO,
    updated_at: ISO,
    resolved_at: null,
    sla_state: 'none',
    sla_deadline: null,
    sla_due_soon_at: null,
    ...overrides,
  } as unknown as S['ConversationRead'];
}

export function message(id: string, conversationId: string, overrides: Partial<S['MessageRead']> = {}): S['MessageRead'] {
  return {
    id,
    conversation_id: conversationId,
    channel_id: CHANNEL,
    direction: 'inbound',
    author_kind: 'buyer',
    author_user_id: null,
    external_id: `ext-${id}`,
    subject: null,
    body: `Body of ${id}`,
    body_html: null,
    sent_at: ISO,
    created_at: ISO,
    delivery_status: null,
    delivery_error: null,
    failure: null,
    delivery_attempts: 0,
    delivered_at: null,
    confirm_after: null,
    bounced_at: null,
    no_response_needed: false,
    no_response_reason: null,
    contains_question: false,
    auto_no_response_reason: null,
    template_id: null,
    attachments: [],
    language: 'en',
    original_text: null,
    original_language: null,
    ...overrides,
  } as unknown as S['MessageRead'];
}

export function detail(id: string, overrides: Partial<S['ConversationDetail']> = {}): S['ConversationDetail'] {
  return {
    ...conversation(id),
    messages: [message(`${id}-m1`, id)],
    messages_truncated: false,
    notes: [],
    order: null,
    customer_profile: null,
    clocks: [],
    manual_fields: [],
    ...overrides,
  } as unknown as S['ConversationDetail'];
}

/** The directory calls every signed-in page makes. */
export const directory = {
  'GET /v1/auth/me': me(),
  'GET /v1/users': [user(), user({ id: '0196f000-0000-7000-8000-0000000000a2', name: 'Li Na', email: 'li.na@hourglass.local', role: 'agent' })],
  'GET /v1/teams': [],
  'GET /v1/channels': { items: [channel()] },
  'GET /v1/translation/preference': { language: 'en', auto_translate: false },
  // Draft locks are off unless a test turns them on.
  'GET /v1/conversations/:id/draft-lock': (_request: unknown, params: Record<string, string>) => ({
    conversation_id: params['id'],
    enabled: false,
    ttl_seconds: 120,
    holder: null,
    mine: false,
  }),
};
