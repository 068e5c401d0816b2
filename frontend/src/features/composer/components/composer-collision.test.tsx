// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSender, type OutgoingFrame } from '@/lib/realtime-state';
import { mockApi, problem, resetApi, type Recorded } from '@/test/api';
import { detail, directory, message, renderApp } from '@/test/render';
import { arrivedSince } from '../lib/collision';
import { Composer } from './composer';

afterEach(() => {
  registerSender(null);
  cleanup();
  resetApi();
  sessionStorage.clear();
});

const LI_NA = '0196f000-0000-7000-8000-0000000000a2';
const conversation = detail('conv-1');
const theirReply = message('reply-li', 'conv-1', { direction: 'outbound', author_kind: 'human', author_user_id: LI_NA, body: 'Li Na: it ships Monday.' });
const clean = { 'POST /v1/compliance/check': { blocking: false, violations: [] } };

describe('collision prompt', () => {
  it('shows the reply that arrived after the draft began, then sends anyway with confirm', async () => {
    const api = mockApi({
      ...directory,
      ...clean,
      'POST /v1/conversations/:id/replies': (request: Recorded) =>
        (request.body as { confirm?: boolean }).confirm
          ? message('reply-mine', 'conv-1', { direction: 'outbound', author_kind: 'human', body: 'Mine', delivery_status: 'queued' })
          : problem(409, 'Someone else replied after you opened this draft; read it, then send with confirm to send anyway.', {
              errors: [{ field: 'body.based_on_message_id', reason: 'a newer message arrived in the conversation' }],
              newer_message: theirReply,
            }),
      'GET /v1/conversations/:id': detail('conv-1', { messages: [...conversation.messages, theirReply] }),
      'GET /v1/conversations': { items: [], next_cursor: null },
      'GET /v1/conversations/counts': {},
    });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.type(screen.getByTestId('composer-input'), 'It ships today.');
    await userEvent.click(screen.getByTestId('send-reply'));

    const dialog = await screen.findByTestId('collision-dialog');
    expect(dialog).toHaveAttribute('role', 'alertdialog');
    expect(dialog).toHaveTextContent('Someone else replied while you were writing');
    expect(screen.getAllByTestId('collision-message')).toHaveLength(1);
    expect(dialog).toHaveTextContent('Li Na: it ships Monday.');
    expect(dialog).toHaveTextContent('Li Na');
    // The refusal is the dialog, not a second error box; the draft is kept.
    expect(screen.getByTestId('composer-input')).toHaveValue('It ships today.');

    await userEvent.click(screen.getByTestId('collision-send-anyway'));
    await waitFor(() => expect(screen.getByTestId('composer-input')).toHaveValue(''));
    const sent = api.to('POST', '/v1/conversations/conv-1/replies');
    expect(sent.map((r) => r.body)).toEqual([
      { body: 'It ships today.', template_id: null, based_on_message_id: 'conv-1-m1' },
      { body: 'It ships today.', template_id: null, based_on_message_id: 'conv-1-m1', confirm: true },
    ]);
    // Confirming is a new request, never a replay of the refused one.
    expect(sent[1]?.headers.get('Idempotency-Key')).not.toBe(sent[0]?.headers.get('Idempotency-Key'));
    expect(screen.queryByTestId('collision-dialog')).toBeNull();
  });

  it('“Edit my reply” closes the prompt and bases the next send on what arrived', async () => {
    const api = mockApi({
      ...directory,
      ...clean,
      'POST /v1/conversations/:id/replies': (request: Recorded) =>
        (request.body as { based_on_message_id?: string }).based_on_message_id === 'reply-li'
          ? message('reply-mine', 'conv-1', { direction: 'outbound', author_kind: 'human', body: 'Mine', delivery_status: 'queued' })
          : problem(409, 'Someone else replied.', { newer_message: theirReply }),
      'GET /v1/conversations/:id': detail('conv-1', { messages: [...conversation.messages, theirReply] }),
      'GET /v1/conversations': { items: [], next_cursor: null },
      'GET /v1/conversations/counts': {},
    });
    await renderApp(<Composer conversation={conversation} />, { language: 'zh-CN' });
    await userEvent.type(screen.getByTestId('composer-input'), 'Thanks');
    await userEvent.click(screen.getByTestId('send-reply'));
    expect(await screen.findByTestId('collision-dialog')).toHaveTextContent('您撰写期间，已有同事回复');
    await userEvent.click(screen.getByTestId('collision-edit'));
    expect(screen.queryByTestId('collision-dialog')).toBeNull();
    expect(screen.getByTestId('composer-input')).toHaveFocus();
    await userEvent.type(screen.getByTestId('composer-input'), ', see above.');
    await userEvent.click(screen.getByTestId('send-reply'));
    await waitFor(() => expect(screen.getByTestId('composer-input')).toHaveValue(''));
    expect(api.to('POST', '/v1/conversations/conv-1/replies').at(-1)?.body).toMatchObject({ body: 'Thanks, see above.', based_on_message_id: 'reply-li' });
  });

  it('lists what arrived since the draft began, not the agent’s own replies', () => {
    const mine = message('m-mine', 'c', { direction: 'outbound', author_user_id: 'me' });
    const buyer = message('m-buyer', 'c', { direction: 'inbound' });
    const first = message('m-first', 'c');
    expect(arrivedSince([first, mine, buyer], 'm-first', 'me', null).map((m) => m.id)).toEqual(['m-buyer']);
    expect(arrivedSince([first], 'm-first', 'me', buyer).map((m) => m.id)).toEqual(['m-buyer']);
  });
});

describe('draft lock in the composer', () => {
  const lockOn = (mine: boolean) => (_r: unknown, p: Record<string, string>) => ({
    conversation_id: p['id'],
    enabled: true,
    ttl_seconds: 120,
    holder: mine ? { user_id: '0196f000-0000-7000-8000-0000000000a1', name: 'Demo Admin', expires_at: new Date(Date.now() + 120_000).toISOString() } : null,
    mine,
  });

  it('takes the lock on the first keystroke, renews sparingly, and releases it when the draft is emptied or the agent leaves', async () => {
    let held = false;
    const api = mockApi({
      ...directory,
      ...clean,
      'GET /v1/conversations/:id/draft-lock': (r, p) => lockOn(held)(r, p),
      'POST /v1/conversations/:id/draft-lock': (r, p) => {
        held = true;
        return lockOn(true)(r, p);
      },
      'DELETE /v1/conversations/:id/draft-lock': () => {
        held = false;
        return { status: 204 };
      },
    });
    const view = await renderApp(<Composer conversation={conversation} />);
    await waitFor(() => expect(api.to('GET', '/v1/conversations/conv-1/draft-lock')).toHaveLength(1));
    await userEvent.type(screen.getByTestId('composer-input'), 'Hello there');
    await waitFor(() => expect(api.to('POST', '/v1/conversations/conv-1/draft-lock').length).toBeGreaterThanOrEqual(1));
    // Not one request per keystroke: renewals wait a third of the time-out.
    expect(api.to('POST', '/v1/conversations/conv-1/draft-lock').length).toBeLessThanOrEqual(2);
    await userEvent.clear(screen.getByTestId('composer-input'));
    await waitFor(() => expect(api.to('DELETE', '/v1/conversations/conv-1/draft-lock')).toHaveLength(1));
    await userEvent.type(screen.getByTestId('composer-input'), 'Again');
    await waitFor(() => expect(held).toBe(true));
    await waitFor(() => expect(view.queryClient.getQueryData(['conversations', 'draft-lock', 'conv-1'])).toMatchObject({ mine: true }));
    view.unmount();
    await waitFor(() => expect(api.to('DELETE', '/v1/conversations/conv-1/draft-lock')).toHaveLength(2));
  });

  it('shows the holder’s name when a send is refused by their lock', async () => {
    mockApi({
      ...directory,
      ...clean,
      'POST /v1/conversations/:id/replies': problem(423, 'Li Na is drafting a reply in this conversation; wait for them to send, or ask a supervisor to take the draft lock over.', {
        holder: { user_id: LI_NA, name: 'Li Na', expires_at: '2026-12-05T19:00:00Z' },
      }),
    });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.type(screen.getByTestId('composer-input'), 'Hi');
    await userEvent.click(screen.getByTestId('send-reply'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Li Na is drafting a reply');
    expect(screen.queryByTestId('collision-dialog')).toBeNull();
  });
});

describe('typing frames', () => {
  it('sends one throttled typing frame while the agent types, and stopped when the draft is emptied or sent', async () => {
    const frames: OutgoingFrame[] = [];
    registerSender((f) => frames.push(f));
    mockApi({
      ...directory,
      ...clean,
      'POST /v1/conversations/:id/replies': message('r', 'conv-1', { direction: 'outbound', author_kind: 'human', delivery_status: 'queued' }),
      'GET /v1/conversations/:id': conversation,
      'GET /v1/conversations': { items: [], next_cursor: null },
      'GET /v1/conversations/counts': {},
    });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.type(screen.getByTestId('composer-input'), 'Hello');
    const typingFrames = () => frames.filter((f) => f.type === 'typing');
    expect(typingFrames()).toEqual([{ type: 'typing', conversation_id: 'conv-1', state: 'typing' }]);
    await userEvent.clear(screen.getByTestId('composer-input'));
    expect(typingFrames().at(-1)).toEqual({ type: 'typing', conversation_id: 'conv-1', state: 'stopped' });
    await userEvent.type(screen.getByTestId('composer-input'), 'Sent');
    await userEvent.click(screen.getByTestId('send-reply'));
    await waitFor(() => expect(screen.getByTestId('composer-input')).toHaveValue(''));
    expect(typingFrames().map((f) => (f as { state: string }).state)).toEqual(['typing', 'stopped', 'typing', 'stopped']);
  });
});
