// @vitest-environment jsdom
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { detail, directory, message, renderApp } from '@/test/render';
import { useOfflineOutbox } from '../hooks/use-offline-outbox';
import { resetQueueCache } from '../lib/offline-queue';
import { Composer } from './composer';

let online = true;
function setOnline(value: boolean) {
  online = value;
  act(() => {
    window.dispatchEvent(new Event(value ? 'online' : 'offline'));
  });
}

beforeEach(() => {
  online = true;
  Object.defineProperty(window.navigator, 'onLine', { configurable: true, get: () => online });
  localStorage.clear();
  resetQueueCache();
});

afterEach(() => {
  cleanup();
  resetApi();
  sessionStorage.clear();
});

const conversation = detail('conv-1', { order_id: '114-0000000-0000001' });

function WithOutbox({ userId }: { userId: string }) {
  useOfflineOutbox(userId);
  return <Composer conversation={conversation} />;
}

async function userIdOf(): Promise<string> {
  const me = (directory as Record<string, unknown>)['GET /v1/auth/me'] as { user: { id: string } };
  return me.user.id;
}

describe('composer offline', () => {
  it('queues a reply written offline, shows it, and sends it once when back online with the same key', async () => {
    const api = mockApi({
      ...directory,
      'POST /v1/compliance/check': { blocking: false, violations: [] },
      'POST /v1/conversations/:id/replies': (request) =>
        message('reply-1', 'conv-1', { direction: 'outbound', author_kind: 'human', body: (request.body as { body: string }).body, delivery_status: 'queued' }),
      'GET /v1/conversations/:id': conversation,
      'GET /v1/conversations': { items: [], next_cursor: null },
      'GET /v1/conversations/counts': {},
    });
    const userId = await userIdOf();
    await renderApp(<WithOutbox userId={userId} />);
    setOnline(false);
    await userEvent.type(screen.getByTestId('composer-input'), 'It ships today.');
    await userEvent.click(screen.getByTestId('send-reply'));

    const queued = await screen.findByTestId('queued-reply');
    expect(queued).toHaveTextContent('It ships today.');
    expect(queued).toHaveTextContent('Queued — will send when back online');
    expect(screen.getByTestId('composer-input')).toHaveValue('');
    expect(api.to('POST', '/v1/conversations/conv-1/replies')).toHaveLength(0);
    expect(localStorage.getItem(`hourglass.outbox.${userId}`)).toContain('It ships today.');

    setOnline(true);
    await waitFor(() => expect(screen.queryByTestId('queued-reply')).toBeNull());
    const sent = api.to('POST', '/v1/conversations/conv-1/replies');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toEqual({ body: 'It ships today.', template_id: null });
    expect(sent[0]?.headers.get('Idempotency-Key')).toMatch(/\S{8,}/);
    expect(localStorage.getItem(`hourglass.outbox.${userId}`)).toBeNull();
  });

  it('shows the refusal when the server refuses the queued reply on return', async () => {
    mockApi({
      ...directory,
      'POST /v1/compliance/check': { blocking: false, violations: [] },
      'POST /v1/conversations/:id/replies': problem(422, 'The conversation was erased on request.'),
      'GET /v1/conversations/:id': conversation,
    });
    const userId = await userIdOf();
    await renderApp(<WithOutbox userId={userId} />);
    setOnline(false);
    await userEvent.type(screen.getByTestId('composer-input'), 'Hello again');
    await userEvent.click(screen.getByTestId('send-reply'));
    await screen.findByTestId('queued-reply');
    setOnline(true);
    const failed = await screen.findByRole('alert');
    expect(failed).toHaveTextContent('Not sent: The conversation was erased on request.');
    expect(screen.getByTestId('queued-reply')).toHaveAttribute('data-state', 'failed');
    await userEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(screen.queryByTestId('queued-reply')).toBeNull();
  });
});
