import type { QueryClient } from '@tanstack/react-query';
import { invalidateInbox, patchConversation, patchMessage } from '@/lib/conversation-cache';
import { noticeFromFrame, type IncomingNotice } from '@/lib/notifications';
import { queryKeys } from '@/lib/query-keys';
import { applyTyping, setViewers, type Viewer } from '@/lib/realtime-state';
import { slaPatch } from '@/lib/sla-fields';
import type { RealtimeFrame } from './connection';

/**
 * Event type -> TanStack Query cache update (the shape of polar's SSE ACTIONS map).
 * Payloads are patches, not whole resources, so each handler applies what it carries at once and
 * asks the server for the rest; list membership (which view a conversation is in) is always the
 * server's call. Both vocabularies are understood: the announced WebSocket names
 * (message.created, message.delivery_updated) and the outbox's (message.received/queued/sent/failed).
 */
export interface HandlerDeps {
  queryClient: QueryClient;
  notify: (notice: IncomingNotice) => void;
  /** batches list/count refetches: a burst of 50 events costs one refetch, not 50 */
  scheduleInboxRefresh: () => void;
}

type Data = Record<string, unknown>;
type Handler = (data: Data, deps: HandlerDeps) => void;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

// Fields of ConversationRead an event may carry; anything else in the payload stays out of the cache.
const CONVERSATION_FIELDS = [
  'status',
  'priority',
  'category',
  'labels',
  'assignee_id',
  'team_id',
  'unread',
  'waiting_since',
  'has_failed_delivery',
  'spam_reason',
  'last_message_at',
  'last_message_preview',
  'subject',
  'sla_state',
  'sla_deadline',
  'sla_due_soon_at',
];

function pick(data: Data, fields: readonly string[]): Data {
  const out: Data = {};
  for (const f of fields) if (f in data) out[f] = data[f];
  return out;
}

const conversationIdOf = (data: Data): string | null => str(data['conversation_id']) ?? str(data['id']);

const onConversationChanged: Handler = (data, { queryClient, scheduleInboxRefresh }) => {
  const id = conversationIdOf(data);
  if (id) {
    patchConversation(queryClient, id, pick(data, CONVERSATION_FIELDS));
    void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(id) });
  }
  scheduleInboxRefresh();
};

const onConversationCreated: Handler = (_data, { scheduleInboxRefresh }) => scheduleInboxRefresh();

const onMessageCreated: Handler = (data, { queryClient, scheduleInboxRefresh }) => {
  const id = str(data['conversation_id']);
  // The event carries a preview, not the body: the open thread refetches the real message.
  if (id) void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(id) });
  scheduleInboxRefresh();
};

const DELIVERY_STATUSES = ['queued', 'sending', 'accepted', 'sent', 'failed'] as const;

const onDeliveryUpdated: Handler = (data, { queryClient, scheduleInboxRefresh }) => {
  const conversationId = str(data['conversation_id']);
  const messageId = str(data['id']) ?? str(data['message_id']);
  const status = DELIVERY_STATUSES.find((s) => s === data['delivery_status']);
  if (conversationId && messageId && status) {
    patchMessage(queryClient, conversationId, messageId, {
      delivery_status: status,
      delivery_error: str(data['delivery_error']),
    });
  }
  if (conversationId) void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(conversationId) });
  scheduleInboxRefresh();
};

const onSlaUpdated: Handler = (data, { queryClient, scheduleInboxRefresh }) => {
  const id = conversationIdOf(data);
  if (id) {
    // The summary (state, deadline) is applied at once; the event's `clocks` lists only the open
    // ones while the workspace shows ended clocks too, so the detail refetches its own list.
    const { clocks: _clocks, ...summary } = slaPatch(data);
    patchConversation(queryClient, id, summary);
    void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(id) });
  }
  scheduleInboxRefresh();
};

const onNoteCreated: Handler = (data, { queryClient }) => {
  const id = str(data['conversation_id']);
  if (!id) return;
  void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.detail(id) });
  void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.activity(id) });
};

// A case changed (a step, a clock alert, a follow-up decision): its panel and the queue refetch.
const onCaseChanged: Handler = (_data, { queryClient }) => {
  void queryClient.invalidateQueries({ queryKey: queryKeys.cases.all });
};

const BULK_FIELDS = ['status', 'total', 'done', 'failed'] as const;

/** A bulk job's progress: applied to the job the inbox shows at once; its end refetches the job
 * (for the failures and their reasons) and the inbox (the conversations changed). */
const onBulkJobUpdated: Handler = (data, { queryClient, scheduleInboxRefresh }) => {
  const id = str(data['id']);
  if (!id) return;
  const key = queryKeys.bulkJobs.detail(id);
  queryClient.setQueryData(key, (old: Data | undefined) => (old ? { ...old, ...pick(data, BULK_FIELDS) } : old));
  if (data['status'] === 'completed') {
    void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: queryKeys.customers.all });
  }
  scheduleInboxRefresh();
};

const onNotification: Handler = (data, { notify }) => notify(noticeFromFrame(data));

function parseViewers(raw: unknown): Viewer[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((v): Viewer[] => {
    if (typeof v === 'string') return [{ userId: v, name: null }];
    if (typeof v !== 'object' || v === null) return [];
    const record = v as Data;
    const userId = str(record['user_id']) ?? str(record['id']);
    return userId ? [{ userId, name: str(record['name']) }] : [];
  });
}

const onPresence: Handler = (data) => {
  const id = str(data['conversation_id']);
  if (id) setViewers(id, parseViewers(data['viewers']));
};

// "Carlos is typing": kept until `stopped` or its expiry (a client that died never says stopped).
const onTyping: Handler = (data) => {
  const id = str(data['conversation_id']);
  const userId = str(data['user_id']);
  if (!id || !userId) return;
  const state = data['state'] === 'stopped' ? 'stopped' : 'typing';
  const expires = typeof data['expires_in_seconds'] === 'number' ? data['expires_in_seconds'] : 0;
  applyTyping(id, { userId, name: str(data['name']) }, state, expires);
};

// A draft lock was taken, renewed, taken over or released: the open workspace refetches who holds it.
const onDraftLock: Handler = (data, { queryClient }) => {
  const id = str(data['conversation_id']);
  if (id) void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.draftLock(id) });
};

// An overflow alert was raised or cleared: the supervisors' banner refetches.
const onOverflow: Handler = (_data, { queryClient }) => {
  void queryClient.invalidateQueries({ queryKey: queryKeys.notifications.overflow });
};

export const ACTIONS: Readonly<Record<string, Handler>> = {
  'conversation.created': onConversationCreated,
  'conversation.updated': onConversationChanged,
  'conversation.assigned': onConversationChanged,
  'conversation.resolved': onConversationChanged,
  'message.created': onMessageCreated,
  'message.received': onMessageCreated,
  'message.queued': onMessageCreated,
  'message.delivery_updated': onDeliveryUpdated,
  'message.accepted': onDeliveryUpdated,
  'message.sent': onDeliveryUpdated,
  'message.failed': onDeliveryUpdated,
  'sla.updated': onSlaUpdated,
  'sla.warning': onSlaUpdated,
  'sla.overdue': onSlaUpdated,
  'note.created': onNoteCreated,
  'case.created': onCaseChanged,
  'case.updated': onCaseChanged,
  'case.closed': onCaseChanged,
  'case.escalated': onCaseChanged,
  'case.overdue': onCaseChanged,
  'bulk_job.updated': onBulkJobUpdated,
  notification: onNotification,
  'overflow.raised': onOverflow,
  'overflow.cleared': onOverflow,
  presence: onPresence,
  typing: onTyping,
  draft_lock: onDraftLock,
};

export function handleFrame(frame: RealtimeFrame, deps: HandlerDeps): void {
  // Event frames name their conversation beside the data; handlers read it from the data.
  const data = frame.conversationId && !('conversation_id' in frame.data) ? { ...frame.data, conversation_id: frame.conversationId } : frame.data;
  ACTIONS[frame.type]?.(data, deps);
}

/** Everything may be stale (a fresh connection, or the server's `resync`): refetch what is shown. */
export function resync(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: queryKeys.conversations.all });
  void invalidateInbox(queryClient);
}
