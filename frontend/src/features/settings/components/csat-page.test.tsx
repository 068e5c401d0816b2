// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { CsatPage, formChoices } from './csat-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const settings = {
  enabled: false,
  delay_minutes: 60,
  forms: { ebay: 'in_thread', amazon: 'none', email: 'link' },
  ask_after_complaint: false,
  questions: { en: 'How did we do? Reply 1-5.', zh: '请回复 1-5 分。', es: '¿Qué tal? 1-5.' },
};
const rules = [
  { marketplace: 'ebay', forms: ['in_thread'], reason: 'No links in eBay messages', source: 'eBay policy' },
  { marketplace: 'amazon', forms: [], reason: 'No surveys in buyer-seller messages', source: 'Amazon policy' },
  { marketplace: 'email', forms: ['in_thread', 'link'], reason: 'Your own channel', source: 'settings' },
];

describe('Settings > CSAT', () => {
  it('offers only the forms a marketplace allows', () => {
    expect(formChoices(rules[0])).toEqual(['in_thread', 'off']);
    expect(formChoices(rules[1])).toEqual(['off']);
    expect(formChoices(undefined)).toEqual(['off']);
  });

  it('enables CSAT with per-marketplace forms and shows the server’s reason for a refused question', async () => {
    let attempt = 0;
    const api = mockApi({
      ...directory,
      'GET /v1/csat/settings': settings,
      'GET /v1/csat/rules': rules,
      'PATCH /v1/csat/settings': (r) => {
        attempt += 1;
        return attempt === 1
          ? problem(422, 'Invalid input', { errors: [{ field: 'body.questions.en', reason: 'Asking for a positive review is not allowed' }] })
          : { ...settings, ...(r.body as object) };
      },
    });
    await renderApp(<CsatPage canEdit />);
    const amazon = await screen.findByTestId('csat-form-amazon');
    expect(within(amazon).getByText('Not allowed by the marketplace')).toBeInTheDocument();
    const ebay = within(screen.getByTestId('csat-form-ebay')).getByRole('combobox');
    expect(within(ebay).getAllByRole('option').map((o) => o.getAttribute('value'))).toEqual(['in_thread', 'off']);
    await userEvent.click(screen.getByTestId('csat-enabled'));
    await userEvent.selectOptions(ebay, 'off');
    await userEvent.click(screen.getByTestId('csat-save'));
    expect(await screen.findByText('Asking for a positive review is not allowed')).toBeInTheDocument();
    expect(api.to('PATCH', '/v1/csat/settings')[0]?.body).toEqual({
      enabled: true,
      delay_minutes: 60,
      ask_after_complaint: false,
      forms: { ebay: 'off', email: 'link' },
      questions: settings.questions,
    });
    await userEvent.click(screen.getByTestId('csat-save'));
    await waitFor(() => expect(api.to('PATCH', '/v1/csat/settings')).toHaveLength(2));
    expect(await screen.findByTestId('csat-saved')).toBeInTheDocument();
  });

  it('is read-only without settings:write', async () => {
    mockApi({ ...directory, 'GET /v1/csat/settings': settings, 'GET /v1/csat/rules': rules });
    await renderApp(<CsatPage canEdit={false} />, { language: 'zh-CN' });
    expect(await screen.findByText('平台不允许')).toBeInTheDocument();
    expect(screen.queryByTestId('csat-save')).toBeNull();
  });
});
