import { QueryClient, type InfiniteData } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import type { components } from '@/api/schema';
import { queryKeys } from '@/lib/query-keys';
import { presence, typing } from '@/lib/realtime-state';
import type { RealtimeFrame } from './connection';
import { handleFrame } from './event-handlers';

type Conversation = components['schemas']['ConversationRead'];
type Detail = components['schemas']['ConversationDetail'];
type Page = components['schemas']['ConversationPage'];

const conversation = { id: 'c1', subject: 'Where is my order?', status: 'open', unread: true, assignee_id: null } as unknown as Conversation;
const other = { id: 'c2', subject: 'Other', status: 'open', unread: false } as unknown as Conversation;
const detail = {
  ...conversation,
  messages: [{ id: 'm1', conversation_id: 'c1', direction: 'outbound', delivery_status: 'queued', delivery_error: null }],
  notes: [],
} as unknown as Detail;
const listKey = queryKeys.conversations.list({ view: 'all' });

function setup() {
  const queryClient = new QueryClient();
  queryClient.setQueryData<InfiniteData<Page>>(listKey, { pages: [{ items: [conversation, other], next_cursor: null }], pageParams: [null] });
  queryClient.setQueryData(queryKeys.conversations.detail('c1'), detail);
  const deps = { queryClient, notify: vi.fn(), scheduleInboxRefresh: vi.fn() };
  const send = (type: string, data: Record<string, unknown>, conversationId: string | null = null) =>
    handleFrame({ type, seq: 1, serverTime: null, conversationId, data } as RealtimeFrame, deps);
  const row = (id: string) => queryClient.getQueryData<InfiniteData<Page>>(listKey)?.pages[0]?.items.find((c) => c.id === id);
  const open = () => queryClient.getQueryData<Detail>(queryKeys.conversations.detail('c1'));
  return { queryClient, deps, send, row, open };
}

describe('realtime event handlers', () => {
  it('typing frames add and remove a typist; a draft_lock frame refetches the conversation’s lock', () => {
    const { send, queryClient } = setup();
    send('typing', { conversation_id: 'c1', user_id: 'u-carlos', name: 'Carlos Ruiz', state: 'typing', expires_in_seconds: 6 }, 'c1');
    expect(typing.get().get('c1')?.map((t) => t.name)).toEqual(['Carlos Ruiz']);
    send('typing', { user_id: 'u-carlos', name: 'Carlos Ruiz', state: 'stopped', expires_in_seconds: 0 }, 'c1');
    expect(typing.get().has('c1')).toBe(false);
    send('typing', { conversation_id: 'c1', state: 'typing' }, 'c1'); // no user: ignored
    expect(typing.get().has('c1')).toBe(false);

    const lockKey = queryKeys.conversations.draftLock('c1');
    queryClient.setQueryData(lockKey, { conversation_id: 'c1', enabled: true, ttl_seconds: 120, holder: null, mine: false });
    send('draft_lock', { conversation_id: 'c1', state: 'held', holder: { user_id: 'u-carlos', name: 'Carlos Ruiz' } }, 'c1');
    expect(queryClient.getQueryState(lockKey)?.isInvalidated).toBe(true);
  });

  it('bulk_job.updated moves the shown job forward and refetches it when it completes', () => {
    const { send, queryClient, deps } = setup();
    const key = queryKeys.bulkJobs.detail('j1');
    queryClient.setQueryData(key, { id: 'j1', status: 'running', total: 50, done: 10, failed: 0, failures: [] });
    send('bulk_job.updated', { id: 'j1', status: 'running', total: 50, done: 30, failed: 2, action_kind: 'x' });
    expect(queryClient.getQueryData(key)).toEqual({ id: 'j1', status: 'running', total: 50, done: 30, failed: 2, failures: [] });
    expect(queryClient.getQueryState(key)?.isInvalidated).toBe(false);
    send('bulk_job.updated', { id: 'j1', status: 'completed', total: 50, done: 48, failed: 2 });
    expect(queryClient.getQueryState(key)?.isInvalidated).toBe(true);
    expect(deps.scheduleInboxRefresh).toHaveBeenCalledTimes(2);
    // A job nobody is watching stays out of the cache.
    send('bulk_job.updated', { id: 'j2', status: 'running', total: 5, done: 1, failed: 0 });
    expect(queryClient.getQueryData(queryKeys.bulkJobs.detail('j2'))).toBeUndefined();
  });

  it('conversation.assigned patches the row and the open detail, then refreshes the views', () => {
    const { send, row, open, deps } = setup();
    send('conversation.assigned', { id: 'c1', assignee_id: 'u9', status: 'pending', changed: ['assignee_id'], junk: 1 });
    expect(row('c1')).toMatchObject({ assignee_id: 'u9', status: 'pending' });
    expect(row('c1')).not.toHaveProperty('junk');
    expect(row('c2')).toBe(other);
    expect(open()).toMatchObject({ assignee_id: 'u9', status: 'pending' });
    expect(deps.scheduleInboxRefresh).toHaveBeenCalled();
  });

  it('message.delivery_updated (and the outbox name message.failed) patch the delivery status', () => {
    const { send, open } = setup();
    send('message.delivery_updated', { id: 'm1', conversation_id: 'c1', delivery_status: 'sent' });
    expect(open()?.messages[0]?.delivery_status).toBe('sent');
    send('message.failed', { id: 'm1', conversation_id: 'c1', delivery_status: 'failed', delivery_error: 'rate limited' });
    expect(open()?.messages[0]).toMatchObject({ delivery_status: 'failed', delivery_error: 'rate limited' });
  });

  it('sla.updated moves the deadline shown by the row badge', () => {
    const { send, row } = setup();
    send('sla.updated', { conversation_id: 'c1', sla_state: 'due_soon', sla_deadline: '2026-11-24T00:00:00Z' });
    expect(row('c1')).toMatchObject({ sla_state: 'due_soon', sla_deadline: '2026-11-24T00:00:00Z' });
  });

  it('sla.updated keeps the ended clocks of the open detail and refetches them', () => {
    const { send, open, queryClient } = setup();
    queryClient.setQueryData(queryKeys.conversations.detail('c1'), { ...detail, clocks: [{ id: 'k0', state: 'met' }] });
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    send('sla.updated', { sla_state: 'overdue', sla_deadline: null, clocks: [] }, 'c1');
    expect(open()).toMatchObject({ sla_state: 'overdue', clocks: [{ id: 'k0', state: 'met' }] });
    expect(spy).toHaveBeenCalledWith({ queryKey: queryKeys.conversations.detail('c1') });
  });

  it('message.created refetches the open thread (the event carries only a preview)', async () => {
    const { send, queryClient, deps } = setup();
    const spy = vi.spyOn(queryClient, 'invalidateQueries');
    send('message.created', { id: 'm2', conversation_id: 'c1', preview: 'hi' });
    expect(spy).toHaveBeenCalledWith({ queryKey: queryKeys.conversations.detail('c1') });
    expect(deps.scheduleInboxRefresh).toHaveBeenCalled();
  });

  it('notification reaches the notifier; presence updates who is viewing', () => {
    const { send, deps } = setup();
    send('notification', { notification_id: 'n1', user_id: 'u1', kind: 'sla.due_soon', title: 'About to breach: 111', body: 'b', conversation_id: 'c1' });
    expect(deps.notify).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'n1', kind: 'sla.due_soon', title: 'About to breach: 111', body: 'b', conversationId: 'c1', userId: 'u1' }),
    );
    send('presence', { conversation_id: 'c1', viewers: [{ user_id: 'u2', name: 'Li Na' }, 'u3'] });
    expect(presence.get().get('c1')).toEqual([
      { userId: 'u2', name: 'Li Na' },
      { userId: 'u3', name: null },
    ]);
  });

  it('case events refetch the case panel and the queue', () => {
    const { send, queryClient } = setup();
    queryClient.setQueryData(queryKeys.cases.ofConversation('c1'), []);
    send('case.updated', { id: 'k1', conversation_id: 'c1', state: 'approved' });
    expect(queryClient.getQueryState(queryKeys.cases.ofConversation('c1'))?.isInvalidated).toBe(true);
  });

  it('ignores event types it does not know', () => {
    const { send, deps, row } = setup();
    send('webhook.delivered', { id: 'c1', status: 'resolved' });
    expect(row('c1')).toBe(conversation);
    expect(deps.scheduleInboxRefresh).not.toHaveBeenCalled();
  });
});
