// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi, type Recorded } from '@/test/api';
import { detail, directory, message, renderApp } from '@/test/render';
import { Composer } from './composer';

afterEach(() => {
  cleanup();
  resetApi();
  sessionStorage.clear();
});

const conversation = detail('conv-1', { marketplace: 'walmart' });
const CHINESE = '您好，感谢您联系我们。';
const ENGLISH = 'Hello, thank you for contacting us.';

const draft = (overrides = {}) => ({
  status: 'translated',
  text: ENGLISH,
  original: CHINESE,
  source_language: 'zh-CN',
  target_language: 'en',
  provider: 'deepl',
  notice: null,
  retry_after_seconds: null,
  violations: [],
  ...overrides,
});

/** The linter as the server answers: Chinese is not English on Walmart. */
const lint = (request: Recorded) => {
  const text = (request.body as { text: string }).text;
  return /[\u4e00-\u9fff]/.test(text)
    ? { blocking: true, violations: [{ code: 'not_english', message: 'English only.', start: 0, end: text.length, severity: 'error', marketplace: 'walmart' }] }
    : { blocking: false, violations: [] };
};

describe('composer: write in Chinese, send in English', () => {
  it('translates the draft, lints and sends the (edited) translation with the original stored', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/translation/settings': { configured: true, budget_exhausted: false },
      'POST /v1/compliance/check': lint,
      'POST /v1/conversations/:id/translate-draft': draft(),
      'POST /v1/conversations/:id/replies': (request) =>
        message('reply-1', 'conv-1', { direction: 'outbound', author_kind: 'human', body: (request.body as { body: string }).body }),
      'GET /v1/conversations/:id': conversation,
      'GET /v1/conversations': { items: [], next_cursor: null },
      'GET /v1/conversations/counts': {},
    });
    await renderApp(<Composer conversation={conversation} />);
    await userEvent.click(screen.getByTestId('translate-toggle'));
    await userEvent.type(screen.getByTestId('composer-input'), CHINESE);
    // Before translating there is nothing to send: the Chinese itself is never sent.
    expect(screen.getByTestId('send-reply')).toBeDisabled();
    await userEvent.click(screen.getByTestId('translate-draft'));
    const translation = await screen.findByTestId('translation-input');
    expect(translation).toHaveValue(ENGLISH);
    expect(api.to('POST', '/v1/conversations/conv-1/translate-draft')[0]?.body).toEqual({ text: CHINESE });
    await userEvent.type(translation, ' Have a nice day.');
    await waitFor(() => expect(screen.getByTestId('lint-status')).toHaveTextContent('Meets the marketplace’s rules'));
    expect(api.to('POST', '/v1/compliance/check').at(-1)?.body).toEqual({ text: `${ENGLISH} Have a nice day.`, conversation_id: 'conv-1' });
    await userEvent.click(screen.getByTestId('send-reply'));
    await waitFor(() => expect(api.to('POST', '/v1/conversations/conv-1/replies')).toHaveLength(1));
    expect(api.to('POST', '/v1/conversations/conv-1/replies')[0]?.body).toEqual({
      body: `${ENGLISH} Have a nice day.`,
      template_id: null,
      original_text: CHINESE,
      original_language: 'zh-CN',
      based_on_message_id: 'conv-1-m1',
    });
  });

  it('says in the composer that automatic translation stopped when the budget is used up', async () => {
    mockApi({
      ...directory,
      'GET /v1/translation/preference': { language: 'zh-CN', auto_translate: true },
      'GET /v1/translation/settings': { configured: true, budget_exhausted: true },
      'POST /v1/compliance/check': lint,
    });
    await renderApp(<Composer conversation={conversation} />, { language: 'zh-CN' });
    expect(await screen.findByTestId('translate-unavailable')).toHaveTextContent('本月预算已用完');
  });

  it('says why there is no translation (budget used up) and sends nothing', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/translation/settings': { configured: true, budget_exhausted: true },
      'POST /v1/compliance/check': lint,
      'POST /v1/conversations/:id/translate-draft': draft({
        status: 'budget_exhausted',
        text: CHINESE,
        notice: 'This month’s translation budget is used up.',
      }),
    });
    await renderApp(<Composer conversation={conversation} />, { language: 'zh-CN' });
    await userEvent.click(screen.getByTestId('translate-toggle'));
    expect(await screen.findByTestId('translate-unavailable')).toHaveTextContent('本月预算已用完');
    await userEvent.type(screen.getByTestId('composer-input'), CHINESE);
    await userEvent.click(screen.getByTestId('translate-draft'));
    expect(await screen.findByTestId('translate-notice')).toHaveTextContent('budget is used up');
    expect(screen.getByTestId('translation-input')).toHaveValue('');
    expect(screen.getByTestId('send-reply')).toBeDisabled();
    expect(api.to('POST', '/v1/conversations/conv-1/replies')).toHaveLength(0);
  });
});
