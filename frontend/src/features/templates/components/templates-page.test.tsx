// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { TemplatesPage } from './templates-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const template = (id: string, name: string, extra: object = {}) => ({
  id,
  name,
  category: 'shipping',
  language: 'en',
  body: 'Hello {{ customer_name }}',
  is_active: true,
  usage_count: 0,
  last_used_at: null,
  starter_key: null,
  name_is_builtin: false,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  ...extra,
});

describe('templates page', () => {
  it('lists each category through the rules table, most used first; Active switches a template off; the open one is the editor’s', async () => {
    let library = [template('t1', 'Tracking link'), template('t2', 'Delay apology', { usage_count: 5 }), template('t3', 'Refund done', { category: 'refund' })];
    const api = mockApi({
      ...directory,
      'GET /v1/templates': () => library,
      'GET /v1/templates/variables': [],
      'GET /v1/conversations': { items: [], next_cursor: null },
      'PATCH /v1/templates/:id': (request, params) => {
        library = library.map((x) => (x.id === params['id'] ? { ...x, ...(request.body as object) } : x));
        return library.find((x) => x.id === params['id'])!;
      },
    });
    await renderApp(<TemplatesPage canEdit />);
    const list = await screen.findByTestId('template-list');
    await vi.waitFor(() => expect(within(list).getAllByTestId('template-item')).toHaveLength(3));
    expect(within(list).getAllByTestId('template-item').map((b) => b.querySelector('.split__item-name')?.textContent)).toEqual(['Refund done', 'Delay apology', 'Tracking link']);

    const row = (name: string) => within(list).getAllByTestId('template-row').find((r) => r.textContent?.includes(name))!;
    await userEvent.click(within(row('Tracking link')).getByRole('checkbox', { name: 'Active' }));
    await vi.waitFor(() => expect(api.to('PATCH', '/v1/templates/t1').map((c) => c.body)).toEqual([{ is_active: false }]));
    // Inactive templates are hidden until asked for.
    await vi.waitFor(() => expect(within(list).queryByText('Tracking link')).toBeNull());

    await userEvent.click(within(row('Delay apology')).getByTestId('template-item'));
    expect(await screen.findByTestId('template-editor')).toBeInTheDocument();
    expect(within(row('Delay apology')).getByRole('checkbox', { name: 'Active' })).toBeDisabled();
    expect(within(row('Refund done')).getByRole('checkbox', { name: 'Active' })).toBeEnabled();
  });

  it('lets a reader open a template but not switch it off', async () => {
    mockApi({ ...directory, 'GET /v1/templates': [template('t1', 'Tracking link')], 'GET /v1/templates/variables': [], 'GET /v1/conversations': { items: [], next_cursor: null } });
    await renderApp(<TemplatesPage canEdit={false} />);
    await userEvent.click(await screen.findByTestId('template-item'));
    expect(await screen.findByTestId('template-editor')).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'Active' })).toBeDisabled();
  });
});
