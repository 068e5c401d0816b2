/**
 * The test's side door: the real REST API, used the way an ERP would (with the demo API key) to
 * create channels and push buyer messages, and the way the SPA would (with a session) to check state.
 */
export interface PushedMessage {
  id: string;
  conversation_id: string;
}

export interface BuyerMessage {
  subject: string;
  body: string;
  buyerName?: string;
  orderId?: string;
  threadId?: string;
  sentAt?: Date;
}

let counter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export class HourglassApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token ?? this.apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  async channels(): Promise<{ id: string; marketplace: string; name: string }[]> {
    return (await this.request<{ items: { id: string; marketplace: string; name: string }[] }>('GET', '/v1/channels')).items;
  }

  /** The demo's ERP channel, or a marketplace channel created once per run (admin API key). */
  async channel(marketplace: string, name: string): Promise<string> {
    const existing = (await this.channels()).find((c) => c.marketplace === marketplace && c.name === name);
    if (existing) return existing.id;
    return (await this.request<{ id: string }>('POST', '/v1/channels', { marketplace, name })).id;
  }

  async pushBuyerMessage(channelId: string, message: BuyerMessage): Promise<PushedMessage> {
    const buyer = message.buyerName ?? 'Test Buyer';
    return this.request<PushedMessage>('POST', `/v1/channels/${channelId}/messages`, {
      external_message_id: uniqueId('msg'),
      external_thread_id: message.threadId ?? uniqueId('thread'),
      order_id: message.orderId ?? null,
      buyer: { external_id: `buyer-${buyer.toLowerCase().replace(/\W+/g, '-')}`, name: buyer },
      subject: message.subject,
      body: message.body,
      sent_at: (message.sentAt ?? new Date()).toISOString(),
    });
  }

  async login(email: string, password: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!response.ok) throw new Error(`login failed: ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }

  async conversation(id: string): Promise<Record<string, unknown> & { messages: { id: string; direction: string; author_kind: string; delivery_status: string | null; body: string }[] }> {
    return this.request('GET', `/v1/conversations/${id}`);
  }

  /** Confirms delivery of a reply, as the ERP does on channels it delivers for. */
  async reportDelivery(messageId: string, status: 'sent' | 'failed', error?: string): Promise<void> {
    await this.request('POST', `/v1/messages/${messageId}/delivery`, {
      status,
      external_message_id: status === 'sent' ? uniqueId('ext') : null,
      error: error ?? null,
    });
  }

  async users(): Promise<{ id: string; name: string; email: string; role: string }[]> {
    return this.request('GET', '/v1/users');
  }

  async userId(email: string): Promise<string> {
    const user = (await this.users()).find((u) => u.email === email);
    if (!user) throw new Error(`no user ${email}`);
    return user.id;
  }

  /** PATCH /v1/conversations/{id} as someone (a session token) or as the ERP (the API key). */
  async updateConversation(id: string, body: Record<string, unknown>, token?: string): Promise<void> {
    await this.request('PATCH', `/v1/conversations/${id}`, body, token);
  }

  /** A reply as the ERP sends it (counts as a person's reply), then its delivery confirmed. */
  async replyDelivered(conversationId: string, body: string): Promise<string> {
    const reply = await this.request<{ id: string }>('POST', `/v1/conversations/${conversationId}/replies`, { body });
    await this.reportDelivery(reply.id, 'sent');
    return reply.id;
  }

  /**
   * The demo's built-in policies carry internal office-hours targets besides each marketplace's own
   * clock, and a conversation's deadline is the nearest of them. A test about the marketplace clock
   * alone sets the internal targets aside; the returned function puts them back.
   */
  async withoutInternalTargets(): Promise<() => Promise<void>> {
    const fields = ['internal_first_response_seconds', 'internal_next_response_seconds', 'internal_resolution_seconds'] as const;
    const policies = await this.request<Record<string, unknown>[]>('GET', '/v1/sla/policies');
    const changed = policies.filter((p) => fields.some((f) => p[f] != null));
    for (const p of changed) {
      await this.request('PATCH', `/v1/sla/policies/${String(p['id'])}`, Object.fromEntries(fields.map((f) => [f, null])));
    }
    return async () => {
      for (const p of changed) {
        await this.request('PATCH', `/v1/sla/policies/${String(p['id'])}`, Object.fromEntries(fields.map((f) => [f, p[f]])));
      }
    };
  }

  /** Whether GET /v1/templates answers 2xx for this token. */
  async hasTemplates(token: string): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/v1/templates`, { headers: { Authorization: `Bearer ${token}` } });
    return response.ok;
  }

  /** Whether the OpenAPI spec documents the SLA fields on a conversation. */
  async hasSlaFields(): Promise<boolean> {
    const spec = await this.request<{ components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>(
      'GET',
      '/v1/openapi.json',
    );
    return Boolean(spec.components.schemas['ConversationRead']?.properties?.['sla_deadline']);
  }
}
