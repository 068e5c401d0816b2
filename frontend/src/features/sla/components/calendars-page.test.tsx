// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { CalendarsPage } from './calendars-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const calendar = (id: string, name: string, extra: object = {}) => ({
  id,
  name,
  time_zone: 'Asia/Shanghai',
  intervals: { mon: ['09:00-18:00'], tue: ['09:00-18:00'] },
  holidays: [],
  recurring_holidays: [],
  country_holidays: null,
  subdivision: null,
  is_default: false,
  updated_at: '2026-12-01T00:00:00Z',
  ...extra,
});

describe('calendars page', () => {
  it('lists calendars by name in the rules table, without position, Active or moves; Edit opens the dialog', async () => {
    mockApi({
      ...directory,
      'GET /v1/sla/calendars': [calendar('c2', 'Weekend desk'), calendar('c1', 'Office hours', { is_default: true, country_holidays: 'CN', holidays: ['2026-10-01'] })],
    });
    await renderApp(<CalendarsPage canEdit />);
    const rows = await screen.findAllByTestId('calendar-row');
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining('Office hours'), expect.stringContaining('Weekend desk')]);
    expect(rows[0]).toHaveTextContent('Default');
    expect(rows[0]).toHaveTextContent('CN · 1 date');
    expect(rows[0]).toHaveTextContent('Asia/Shanghai');
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Move up' })).toBeNull();
    await userEvent.click(within(rows[1]!).getByRole('button', { name: 'Edit' }));
    expect(await screen.findByTestId('calendar-name')).toHaveValue('Weekend desk');
  });

  it('shows a reader the calendars without Edit', async () => {
    mockApi({ ...directory, 'GET /v1/sla/calendars': [calendar('c1', 'Office hours')] });
    await renderApp(<CalendarsPage canEdit={false} />);
    await screen.findByTestId('calendar-row');
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('deletes a calendar nothing uses, and lists the policy and team that keep another one', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/sla/calendars': [calendar('c1', 'Office hours', { is_default: true }), calendar('c2', 'Weekend desk')],
      'GET /v1/sla/calendars/c1/usage': {
        used_by: [
          { kind: 'sla_policy', id: 'p1', name: 'Office SLA', count: 1 },
          { kind: 'team', id: 't1', name: 'Night team', count: 1 },
          { kind: 'default_calendar', id: null, name: 'the default calendar', count: 1 },
        ],
        deletable: false,
        hint: 'Give those policies and teams another calendar first.',
      },
      'GET /v1/sla/calendars/c2/usage': { used_by: [], deletable: true, hint: null },
      'DELETE /v1/sla/calendars/:id': null,
    });
    await renderApp(<CalendarsPage canEdit />);
    const rows = await screen.findAllByTestId('calendar-row');
    await userEvent.click(within(rows[0]!).getByTestId('delete-calendar'));
    const users = await screen.findAllByTestId('confirm-delete-user');
    expect(users.map((u) => u.textContent)).toEqual([
      'SLA policy “Office SLA”',
      'Team “Night team”',
      'It is the default calendar (internal clocks fall back on it)',
    ]);
    expect(screen.getByTestId('confirm-delete-button')).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));

    await userEvent.click(within(rows[1]!).getByTestId('delete-calendar'));
    expect(await screen.findByTestId('confirm-delete-free')).toHaveTextContent('Running clocks keep the hours they started with');
    await userEvent.click(screen.getByTestId('confirm-delete-button'));
    await vi.waitFor(() => expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/v1/sla/calendars/c2')).toBe(true));
  });
});
