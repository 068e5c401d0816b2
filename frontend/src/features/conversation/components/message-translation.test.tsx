// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, message, renderApp } from '@/test/render';
import { MessageItem } from './message-item';

afterEach(() => {
  cleanup();
  resetApi();
});

const SPANISH = 'Hola, buen día. ¿Dónde está?';
const spanish = message('m-1', 'conv-1', { body: SPANISH, language: 'es' } as never);
const translated = {
  status: 'translated',
  text: '你好，日安。包裹在哪里？',
  original: SPANISH,
  source_language: 'es',
  target_language: 'zh-CN',
  provider: 'deepl',
  notice: null,
  retry_after_seconds: null,
};

const item = <MessageItem message={spanish} conversationSubject="" buyerName="Buyer" authorName={null} awaitingReply={false} />;

describe('message translation', () => {
  it('shows the detected language and translates on demand, the original one click away', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/translation/preference': { language: 'zh-CN', auto_translate: false },
      'GET /v1/messages/:id/translation': translated,
    });
    await renderApp(item, { language: 'zh-CN' });
    expect(screen.getByTestId('message-language')).toHaveTextContent('西班牙语');
    expect(screen.getByTestId('message-body')).toHaveTextContent(SPANISH);
    await userEvent.click(await screen.findByTestId('translate-toggle-message'));
    expect(await screen.findByTestId('message-translation')).toHaveTextContent('你好，日安。包裹在哪里？');
    expect(api.to('GET', '/v1/messages/m-1/translation')[0]?.query.get('target')).toBe('zh-CN');
    await userEvent.click(screen.getByTestId('translate-toggle-message'));
    expect(screen.getByTestId('message-body')).toHaveTextContent(SPANISH);
  });

  it('translates automatically when the agent asked for it, and shows a failure as a notice over the original', async () => {
    mockApi({
      ...directory,
      'GET /v1/translation/preference': { language: 'zh-CN', auto_translate: true },
      'GET /v1/messages/:id/translation': {
        ...translated,
        status: 'failed',
        text: SPANISH,
        notice: 'The translation service is busy (rate limit); showing the original. It will be retried.',
        retry_after_seconds: 30,
      },
    });
    await renderApp(item);
    expect(await screen.findByTestId('translation-notice')).toHaveTextContent('rate limit');
    await waitFor(() => expect(screen.getByTestId('message-body')).toHaveTextContent(SPANISH));
  });
});
