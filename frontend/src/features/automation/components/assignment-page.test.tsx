// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { AssignmentPage } from './assignment-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const rule = (id: string, name: string, position: number) => ({
  id,
  name,
  position,
  is_active: true,
  conditions: {},
  team_id: null,
  user_id: null,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
});

describe('assignment page', () => {
  it('moves a rule up by saving the two swapped positions through PATCH, then rereads the list', async () => {
    let rules = [rule('r1', 'VIP first', 10), rule('r2', 'Returns team', 20)];
    const api = mockApi({
      ...directory,
      'GET /v1/assignment/rules': () => rules,
      'PATCH /v1/assignment/rules/:id': (request, params) => {
        const position = (request.body as { position: number }).position;
        rules = rules.map((r) => (r.id === params['id'] ? { ...r, position } : r));
        return rules.find((r) => r.id === params['id'])!;
      },
    });
    await renderApp(<AssignmentPage canEdit />);
    const second = (await screen.findAllByTestId('assignment-rule-row'))[1]!;
    expect(second).toHaveTextContent('Returns team');
    await userEvent.click(within(second).getByRole('button', { name: 'Move up' }));
    await vi.waitFor(() => expect(screen.getAllByTestId('assignment-rule-row')[0]).toHaveTextContent('Returns team'));
    expect(api.calls.filter((c) => c.method === 'PATCH').map((c) => [c.path, c.body])).toEqual([
      ['/v1/assignment/rules/r2', { position: 10 }],
      ['/v1/assignment/rules/r1', { position: 20 }],
    ]);
    expect(api.unrouted).toEqual([]);
  });
});
