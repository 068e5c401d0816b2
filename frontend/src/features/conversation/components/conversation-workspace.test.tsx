// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { components } from '@/api/schema';
import { mockApi, problem, resetApi } from '@/test/api';
import { conversation, detail, directory, ME, message, renderApp } from '@/test/render';
import { ConversationWorkspace } from './conversation-workspace';

afterEach(() => {
  cleanup();
  resetApi();
});

type Detail = components['schemas']['ConversationDetail'];

const open = detail('conv-9', {
  subject: 'Missing screws',
  messages: [
    message('m1', 'conv-9', { body: 'The box had no screws.' }),
    message('m2', 'conv-9', { direction: 'outbound', author_kind: 'human', author_user_id: ME, body: 'Sending them today.', delivery_status: 'sent' }),
    message('m3', 'conv-9', { body: 'Thanks, and the manual?' }),
  ],
});

const quiet = {
  ...directory,
  'GET /v1/conversations/:id/activity': { items: [], next_cursor: null },
  'POST /v1/conversations/:id/read': conversation('conv-9', { unread: false }),
  'GET /v1/conversations': { items: [], next_cursor: null },
  'GET /v1/conversations/counts': {},
};

function renderWorkspace(composer = vi.fn((_c: Detail) => <div data-testid="composer-slot" />)) {
  return { composer, view: renderApp(<ConversationWorkspace conversationId="conv-9" onClose={() => undefined} renderComposer={composer} />) };
}

describe('conversation workspace', () => {
  it('shows the thread in order, marks the conversation read on open, and hands the conversation to the composer', async () => {
    const api = mockApi({ ...quiet, 'GET /v1/conversations/:id': open });
    const { composer } = renderWorkspace();

    expect(await screen.findByTestId('conversation-subject')).toHaveTextContent('Missing screws');
    const thread = screen.getAllByTestId('message');
    expect(thread.map((m) => m.dataset['messageId'])).toEqual(['m1', 'm2', 'm3']);
    expect(thread[0]).toHaveTextContent('The box had no screws.');
    expect(thread[1]).toHaveAttribute('data-direction', 'outbound');
    expect(screen.getByTestId('composer-slot')).toBeInTheDocument();
    expect(composer.mock.calls.at(-1)?.[0].id).toBe('conv-9');
    await waitFor(() => expect(api.to('POST', '/v1/conversations/conv-9/read')).toHaveLength(1));
    expect(api.unrouted).toEqual([]);
  });

  it('assigns the conversation to me through the API', async () => {
    const api = mockApi({
      ...quiet,
      'GET /v1/conversations/:id': open,
      'PATCH /v1/conversations/:id': (request) => ({ ...conversation('conv-9'), ...(request.body as object) }),
    });
    renderWorkspace();
    await userEvent.click(await screen.findByRole('button', { name: 'Assign to me' }));
    await waitFor(() => expect(screen.getByTestId('assignee-select')).toHaveValue(ME));
    expect(api.to('PATCH', '/v1/conversations/conv-9')[0]?.body).toEqual({ assignee_id: ME });
    expect(screen.queryByRole('button', { name: 'Assign to me' })).not.toBeInTheDocument();
  });

  it('a refused change is shown and undone', async () => {
    mockApi({
      ...quiet,
      'GET /v1/conversations/:id': open,
      'PATCH /v1/conversations/:id': problem(403, 'Agents cannot reassign conversations.'),
    });
    renderWorkspace();
    await userEvent.selectOptions(await screen.findByTestId('assignee-select'), ME);
    expect(await screen.findByRole('alert')).toHaveTextContent('Agents cannot reassign conversations.');
    await waitFor(() => expect(screen.getByTestId('assignee-select')).toHaveValue(''));
  });

  it('“no response needed” stays offered when the API fails, and says why', async () => {
    mockApi({
      ...quiet,
      'GET /v1/conversations/:id': open,
      'POST /v1/messages/:id/no-response-needed': problem(404, 'No route /v1/messages/m3/no-response-needed.'),
    });
    renderWorkspace();
    const last = (await screen.findAllByTestId('message'))[2]!;
    await userEvent.click(within(last).getByRole('button', { name: 'No response needed…' }));
    await userEvent.click(within(last).getByTestId('no-response-reason-thanks_only'));
    await userEvent.click(within(last).getByTestId('no-response-submit'));
    expect(await within(last).findByRole('alert')).toHaveTextContent('No route /v1/messages/m3/no-response-needed.');
    // Before: a 404 hid the action for the rest of the session, so a backend regression looked like a missing feature.
    await userEvent.click(within(last).getByRole('button', { name: 'Cancel' }));
    const again = (await screen.findAllByTestId('message'))[2]!;
    expect(within(again).getByRole('button', { name: 'No response needed…' })).toBeInTheDocument();
  });

  it('“no response needed” asks for a reason, says what it does, and confirms a question first', async () => {
    const question = detail('conv-9', {
      subject: 'Missing screws',
      messages: [message('m3', 'conv-9', { body: 'Do you ship to Canada?', contains_question: true })],
    });
    const api = mockApi({
      ...quiet,
      'GET /v1/conversations/:id': question,
      'POST /v1/messages/:id/no-response-needed': (request) =>
        message('m3', 'conv-9', { body: 'Do you ship to Canada?', contains_question: true, no_response_needed: true, no_response_reason: (request.body as { reason: 'answered_elsewhere' }).reason }),
    });
    renderWorkspace();
    const msg = (await screen.findAllByTestId('message'))[0]!;
    await userEvent.click(within(msg).getByRole('button', { name: 'No response needed…' }));
    const dialog = within(msg).getByTestId('no-response-dialog');
    expect(dialog).toHaveTextContent('Stops the marketplace’s reply clock');
    expect(dialog).toHaveTextContent('Leaves the message out of the response rate');
    const submit = within(dialog).getByTestId('no-response-submit');
    expect(submit).toBeDisabled();
    expect(dialog).toHaveTextContent('Choose a reason.');
    await userEvent.click(within(dialog).getByTestId('no-response-reason-answered_elsewhere'));
    // The buyer asked something: the clock cannot stop until the agent confirms.
    expect(within(dialog).getByTestId('no-response-question')).toHaveTextContent('The buyer seems to ask a question.');
    expect(submit).toBeDisabled();
    await userEvent.click(within(dialog).getByTestId('no-response-confirm'));
    expect(submit).toBeEnabled();
    await userEvent.click(submit);
    await waitFor(() => expect(api.to('POST', '/v1/messages/m3/no-response-needed')).toHaveLength(1));
    expect(api.to('POST', '/v1/messages/m3/no-response-needed')[0]?.body).toEqual({ reason: 'answered_elsewhere', note: null, confirm_question: true });
  });

  it('“no response needed” with reason other needs a note; a marked message can be undone', async () => {
    const marked = detail('conv-9', {
      messages: [message('m3', 'conv-9', { body: 'Thanks!', no_response_needed: true, no_response_reason: 'thanks_only' }), message('m4', 'conv-9', { body: 'ok' })],
    });
    const api = mockApi({
      ...quiet,
      'GET /v1/conversations/:id': marked,
      'DELETE /v1/messages/:id/no-response-needed': message('m3', 'conv-9', { body: 'Thanks!' }),
    });
    renderWorkspace();
    const [first, second] = await screen.findAllByTestId('message');
    expect(within(first!).getByTestId('no-response-tag')).toHaveTextContent('No response needed · Only thanks or an acknowledgement');
    await userEvent.click(within(first!).getByTestId('no-response-undo'));
    await waitFor(() => expect(api.to('DELETE', '/v1/messages/m3/no-response-needed')).toHaveLength(1));

    await userEvent.click(within(second!).getByRole('button', { name: 'No response needed…' }));
    await userEvent.click(within(second!).getByTestId('no-response-reason-other'));
    expect(within(second!).getByTestId('no-response-submit')).toBeDisabled();
    await userEvent.type(within(second!).getByTestId('no-response-note'), 'Phoned the buyer');
    expect(within(second!).getByTestId('no-response-submit')).toBeEnabled();
  });

  it('shows why Hourglass decided a message needs no response, and undoes it through the API', async () => {
    const reason = "no response needed: 'thanks' with no question or request";
    const thanked = detail('conv-9', {
      subject: 'Missing screws',
      messages: [message('m1', 'conv-9', { body: 'Thanks, got it!', no_response_needed: true, auto_no_response_reason: reason })],
    });
    const api = mockApi({
      ...quiet,
      'GET /v1/conversations/:id': thanked,
      'DELETE /v1/messages/:id/no-response-needed': message('m1', 'conv-9', { body: 'Thanks, got it!' }),
    });
    renderWorkspace();
    const item = (await screen.findAllByTestId('message'))[0]!;
    expect(within(item).getByTestId('no-response-tag')).toHaveTextContent('No response needed');
    expect(item).toHaveTextContent(`Hourglass decided: ${reason}`);
    await userEvent.click(within(item).getByTestId('no-response-undo'));
    await waitFor(() => expect(api.to('DELETE', '/v1/messages/m1/no-response-needed')).toHaveLength(1));
  });

  it('a conversation that does not exist says so; a failing API shows its problem', async () => {
    mockApi({ ...quiet, 'GET /v1/conversations/:id': problem(404, 'No conversation conv-9.') });
    renderWorkspace();
    expect(await screen.findByText('This conversation does not exist or was removed.')).toBeInTheDocument();
    cleanup();

    mockApi({ ...quiet, 'GET /v1/conversations/:id': problem(422, 'conversation_id: not a valid id') });
    renderWorkspace();
    expect(await screen.findByRole('alert')).toHaveTextContent('conversation_id: not a valid id');
  });
});

describe('conversation workspace keyboard', () => {
  it('closes on Esc, but a first Esc in a text field only leaves the field', async () => {
    mockApi({ ...quiet, 'GET /v1/conversations/:id': open });
    const onClose = vi.fn();
    renderApp(<ConversationWorkspace conversationId="conv-9" onClose={onClose} renderComposer={() => <textarea aria-label="reply" />} />);
    await screen.findByTestId('conversation-subject');
    const user = userEvent.setup();
    await user.click(screen.getByLabelText('reply'));
    await user.keyboard('{Escape}');
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByLabelText('reply')).not.toHaveFocus();
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
