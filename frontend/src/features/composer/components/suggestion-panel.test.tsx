// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { detail, directory, message, renderApp } from '@/test/render';
import { Composer } from './composer';

afterEach(() => {
  cleanup();
  resetApi();
  sessionStorage.clear();
});

const conversation = detail('conv-1', { order_id: '114-0000000-0000001' });
const article = {
  kind: 'article',
  id: 'art-1',
  title: 'Where is my order? Tracking your package',
  language: 'en',
  text: 'Your order is on its way with UPS.\n\n- Tracking number: 1Z999AA10123456784',
  score: 3.2,
  reasons: [
    { code: 'words', detail: 'tracking, package' },
    { code: 'category', detail: 'shipping' },
  ],
  warnings: [],
  blocking: false,
  violations: [],
};

describe('suggested answers', () => {
  it('shows why, inserts the filled text, and records the insertion and then the sent reply', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/conversations/:id/suggestions': [article],
      'POST /v1/conversations/:id/suggestions/use': null,
      'POST /v1/compliance/check': { blocking: false, violations: [] },
      'POST /v1/conversations/:id/replies': (request) =>
        message('reply-1', 'conv-1', { direction: 'outbound', author_kind: 'human', body: (request.body as { body: string }).body, delivery_status: 'queued' }),
    });
    await renderApp(<Composer conversation={conversation} />);
    const why = await screen.findByTestId('suggestion-why');
    expect(why).toHaveTextContent('words “tracking, package” · category Shipping');
    await userEvent.click(screen.getByTestId('insert-suggestion'));
    expect(screen.getByTestId('composer-input')).toHaveValue(article.text);
    await waitFor(() => expect(api.to('POST', '/v1/conversations/conv-1/suggestions/use')[0]?.body).toEqual({ kind: 'article', id: 'art-1', action: 'inserted' }));
    await waitFor(() => expect(screen.getByTestId('send-reply')).toBeEnabled());
    await userEvent.click(screen.getByTestId('send-reply'));
    await waitFor(() => expect(api.to('POST', '/v1/conversations/conv-1/suggestions/use')[1]?.body).toEqual({ kind: 'article', id: 'art-1', action: 'sent' }));
  });
});
