// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { conversation, directory, ME, renderApp } from '@/test/render';
import { InboxPanel } from './inbox-panel';
import { ViewNav } from './view-nav';

afterEach(() => {
  cleanup();
  resetApi();
});

const list = { items: [conversation('c1'), conversation('c2')], next_cursor: null };
const TEAM = '0196f000-0000-7000-8000-0000000000t1';
const routes = {
  ...directory,
  'GET /v1/teams': [{ id: TEAM, name: 'Care', member_ids: [ME], created_at: '2026-12-04T10:00:00Z' }],
  'GET /v1/conversations': list,
  'GET /v1/conversations/counts': {},
};

function Inbox() {
  return (
    <>
      <ViewNav />
      <InboxPanel selectedId={null} onOpen={() => undefined} />
    </>
  );
}

const listCalls = (api: ReturnType<typeof mockApi>) => api.to('GET', '/v1/conversations');

describe('triage: sort and saved views', () => {
  it('work lists show “Deadline first” in the header by default; the sort can be changed there', async () => {
    const api = mockApi({ ...routes, 'GET /v1/saved-views': [] });
    await renderApp(<InboxPanel selectedId={null} onOpen={() => undefined} />, { path: '/inbox?view=response_needed' });
    await screen.findAllByTestId('conversation-row');
    const sort = screen.getByRole('combobox', { name: 'Sort' });
    expect(sort).toHaveValue('deadline');
    // Visible without opening Filters.
    expect(screen.queryByTestId('filter-panel')).not.toBeInTheDocument();
    // The API applies the view's default, so none is sent.
    expect(listCalls(api)[0]?.query.get('sort')).toBeNull();

    await userEvent.selectOptions(sort, 'last_message');
    await waitFor(() => expect(listCalls(api).at(-1)?.query.get('sort')).toBe('last_message'));
  });

  it('other lists default to latest activity, in Chinese too', async () => {
    mockApi({ ...routes, 'GET /v1/saved-views': [] });
    await renderApp(<InboxPanel selectedId={null} onOpen={() => undefined} />, { language: 'zh-CN' });
    await screen.findAllByTestId('conversation-row');
    const sort = screen.getByRole('combobox', { name: '排序' });
    expect(sort).toHaveValue('last_message');
    expect(within(sort).getByRole('option', { name: '截止时间优先' })).toBeInTheDocument();
  });

  it('saves the list on screen (view, filters, sort) for a team, and opens a saved view in one click', async () => {
    const saved = {
      id: 'v1',
      name: 'Walmart overdue',
      query: { view: 'response_needed', sort: 'deadline', marketplace: 'walmart', sla_state: 'overdue' },
      owner_user_id: ME,
      team_id: TEAM,
      mine: true,
      created_at: '2026-12-04T10:00:00Z',
    };
    const api = mockApi({
      ...routes,
      'GET /v1/saved-views': () => (api.to('POST', '/v1/saved-views').length ? [saved] : []),
      'POST /v1/saved-views': saved,
    });
    await renderApp(<Inbox />, { path: '/inbox?view=response_needed&marketplace=walmart&sla_state=overdue' });
    expect(await screen.findByText('None yet: set filters and a sort, then “Save view”.')).toBeInTheDocument();

    await userEvent.click(screen.getByTestId('save-view'));
    await userEvent.type(screen.getByTestId('save-view-name'), 'Walmart overdue');
    await userEvent.selectOptions(screen.getByTestId('save-view-team'), TEAM);
    await userEvent.click(screen.getByTestId('save-view-submit'));
    await waitFor(() => expect(api.to('POST', '/v1/saved-views')).toHaveLength(1));
    expect(api.to('POST', '/v1/saved-views')[0]?.body).toEqual({
      name: 'Walmart overdue',
      query: { view: 'response_needed', sort: 'deadline', marketplace: 'walmart', sla_state: 'overdue' },
      team_id: TEAM,
    });
    const entry = await screen.findByTestId('saved-view');
    expect(entry).toHaveTextContent('Walmart overdue');
    expect(entry).toHaveAttribute('aria-current', 'page'); // it is the list on screen

    // Elsewhere, one click brings the saved list back.
    await userEvent.click(screen.getByTestId('view-all'));
    await waitFor(() => expect(screen.getByTestId('saved-view')).not.toHaveAttribute('aria-current'));
    await userEvent.click(screen.getByTestId('saved-view'));
    await waitFor(() => expect(screen.getByTestId('saved-view')).toHaveAttribute('aria-current', 'page'));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Response Needed');
    expect(screen.getByRole('combobox', { name: 'Sort' })).toHaveValue('deadline');
    const q = listCalls(api).find((c) => c.query.get('view') === 'response_needed')?.query;
    expect([q?.get('marketplace'), q?.get('sla_state')]).toEqual(['walmart', 'overdue']);
  });
});
