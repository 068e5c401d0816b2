// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { TranslationPage } from './translation-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const settings = {
  configured: true,
  provider: 'deepl',
  base_url: 'https://api.deepl.com',
  model: null,
  has_key: true,
  monthly_character_budget: 1000,
  month: '2026-12-01',
  characters_used: 1000,
  requests: 3,
  cache_hits: 9,
  budget_exhausted: true,
};

describe('Settings > Translation', () => {
  it('sets the reading language and automatic translation, shows usage and the exhausted budget', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/translation/preference': { language: 'zh-CN', auto_translate: false },
      'PUT /v1/translation/preference': (r) => r.body as object,
      'GET /v1/translation/settings': settings,
      'GET /v1/translation/glossary': [],
    });
    await renderApp(<TranslationPage canEdit={false} />, { language: 'zh-CN' });
    expect(await screen.findByTestId('translation-usage')).toHaveTextContent('已用 1000 / 1000 字符，缓存命中 9 次');
    expect(screen.getByText('本月预算已用完：自动翻译已停止。')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('auto-translate'));
    await waitFor(() => expect(api.to('PUT', '/v1/translation/preference')).toHaveLength(1));
    expect(api.to('PUT', '/v1/translation/preference')[0]?.body).toEqual({ language: 'zh-CN', auto_translate: true });
    // Not an admin: nothing to save, no glossary editing.
    expect(screen.queryByTestId('glossary-add')).toBeNull();
  });

  it('admins save the provider (the key stays write-only) and add glossary terms, with the server’s reasons', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/translation/settings': settings,
      'PUT /v1/translation/settings': (r) => ({ ...settings, ...(r.body as object) }),
      'GET /v1/translation/glossary': [],
      'POST /v1/translation/glossary': problem(409, 'That term is already in the glossary.', { errors: [{ field: 'body.term', reason: 'already exists' }] }),
    });
    await renderApp(<TranslationPage canEdit />);
    const save = await screen.findByRole('button', { name: 'Save' });
    await userEvent.click(save);
    await waitFor(() => expect(api.to('PUT', '/v1/translation/settings')).toHaveLength(1));
    expect(api.to('PUT', '/v1/translation/settings')[0]?.body).toEqual({
      provider: 'deepl',
      base_url: 'https://api.deepl.com',
      model: null,
      key: null,
      monthly_character_budget: 1000,
    });
    await userEvent.type(screen.getByTestId('glossary-new-term'), 'Walmart');
    await userEvent.click(screen.getByTestId('glossary-add'));
    expect(await screen.findByText('already exists')).toBeInTheDocument();
    expect(api.to('POST', '/v1/translation/glossary')[0]?.body).toEqual({ term: 'Walmart', translation: null });
  });
});
