// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi, type Recorded } from '@/test/api';
import { detail, directory, message, renderApp } from '@/test/render';
import { Composer } from './composer';

afterEach(() => {
  cleanup();
  resetApi();
  sessionStorage.clear();
});

const conversation = detail('conv-1', { order_id: '114-0000000-0000001' });
const LINK = 'Track it at https://my-shop.example/track';

/** The compliance check as the server answers it: an outside link is a blocking violation on Amazon. */
const lint = (request: Recorded) => {
  const text = (request.body as { text: string }).text;
  const at = text.indexOf('https://');
  return at < 0
    ? { blocking: false, violations: [] }
    : {
        blocking: true,
        violations: [{ code: 'external_link', message: 'Links outside Amazon are not allowed.', start: at, end: text.length, severity: 'error', marketplace: 'amazon' }],
      };
};

const template = {
  id: 'tpl-1',
  name: 'Where is my order',
  category: 'order_status',
  language: 'en',
  body: 'Hi {{ customer_name }}, order {{ order_id }} is on its way.',
  is_active: true,
  starter_key: null,
  usage_count: 0,
  last_used_at: null,
  created_at: '2026-12-04T10:00:00Z',
  updated_at: '2026-12-04T10:00:00Z',
};

describe('composer', () => {
  it('lints while typing, then sends with Ctrl+Enter once, with an idempotency key, and clears the box', async () => {
    const api = mockApi({
      ...directory,
      'POST /v1/compliance/check': lint,
      'POST /v1/conversations/:id/replies': (request) =>
        message('reply-1', 'conv-1', { direction: 'outbound', author_kind: 'human', body: (request.body as { body: string }).body, delivery_status: 'queued' }),
      'GET /v1/conversations/:id': conversation,
      'GET /v1/conversations': { items: [], next_cursor: null },
      'GET /v1/conversations/counts': {},
    });
    await renderApp(<Composer conversation={conversation} />);
    const input = screen.getByTestId('composer-input');
    await userEvent.type(input, 'It ships today.');
    await waitFor(() => expect(screen.getByTestId('lint-status')).toHaveTextContent('Meets the marketplace’s rules'));
    expect(api.to('POST', '/v1/compliance/check').at(-1)?.body).toEqual({ text: 'It ships today.', conversation_id: 'conv-1' });

    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(input).toHaveValue(''));
    const sent = api.to('POST', '/v1/conversations/conv-1/replies');
    expect(sent).toHaveLength(1);
    // Based on the newest message on screen when the draft began: a reply that arrived since is a 409.
    expect(sent[0]?.body).toEqual({ body: 'It ships today.', template_id: null, based_on_message_id: 'conv-1-m1' });
    expect(sent[0]?.headers.get('Idempotency-Key')).toMatch(/\S{8,}/);
  });

  it('refuses to send a draft the linter blocks', async () => {
    const api = mockApi({ ...directory, 'POST /v1/compliance/check': lint });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.type(screen.getByTestId('composer-input'), LINK);
    await waitFor(() => expect(screen.getByTestId('lint-status')).toHaveTextContent('Fix the errors below before sending'));
    expect(screen.getByTestId('send-reply')).toBeDisabled();
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    expect(api.to('POST', '/v1/conversations/conv-1/replies')).toHaveLength(0);
    expect(screen.getByTestId('composer-input')).toHaveValue(LINK);
  });

  it('shows the server’s refusal of a send and keeps the draft', async () => {
    mockApi({
      ...directory,
      'POST /v1/compliance/check': { blocking: false, violations: [] },
      'POST /v1/conversations/:id/replies': problem(409, 'This conversation is closed on the marketplace.'),
    });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.type(screen.getByTestId('composer-input'), 'Sorry for the wait.');
    await waitFor(() => expect(screen.getByTestId('send-reply')).toBeEnabled());
    await userEvent.click(screen.getByTestId('send-reply'));
    expect(await screen.findByRole('alert')).toHaveTextContent('This conversation is closed on the marketplace.');
    expect(screen.getByTestId('composer-input')).toHaveValue('Sorry for the wait.');
  });

  it('inserts a template as the server previews it for this conversation', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/templates': [template],
      'POST /v1/templates/:id/preview': {
        text: 'Hi Buyer conv-1, order 114-0000000-0000001 is on its way.',
        warnings: [],
        blocking: false,
        violations: [],
      },
      'POST /v1/compliance/check': lint,
    });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.click(screen.getByTestId('template-picker'));
    await userEvent.type(await screen.findByTestId('template-search'), 'where is');
    const preview = screen.getByTestId('template-preview');
    await waitFor(() => expect(preview).toHaveTextContent('Hi Buyer conv-1, order 114-0000000-0000001 is on its way.'));
    expect(api.to('POST', '/v1/templates/tpl-1/preview')[0]?.body).toEqual({ conversation_id: 'conv-1' });
    await userEvent.click(screen.getByTestId('template-insert'));
    expect(screen.getByTestId('composer-input')).toHaveValue('Hi Buyer conv-1, order 114-0000000-0000001 is on its way.');
  });

  it.each([
    ['en', 404, 'Templates could not be loaded.'],
    ['en', 500, 'Templates could not be loaded.'],
    ['zh-CN', 404, '无法加载模板。'],
  ])('a failing template API is an error on screen (%s, %i), not a missing picker', async (language, status, text) => {
    mockApi({ ...directory, 'GET /v1/templates': problem(status, 'Template service failed.') });
    await renderApp(<Composer conversation={conversation} />, { language });
    await userEvent.click(screen.getByTestId('template-picker'));
    const failed = await screen.findByTestId('templates-failed', {}, { timeout: 8_000 });
    expect(failed).toHaveTextContent(text);
    expect(failed).toHaveTextContent('Template service failed.');
  }, 15_000);
});
