// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { conversation, directory, ME, renderApp } from '@/test/render';
import { InboxPanel } from './inbox-panel';

afterEach(() => {
  cleanup();
  resetApi();
});

const rows = [
  conversation('c1', { assignee_id: ME, order_id: '111-2223334-5556667' }),
  conversation('c2', { has_failed_delivery: true, priority: 'urgent' }),
  conversation('c3', { unread: false }),
];

describe('inbox list', () => {
  it('lists the API’s conversations with buyer, order, assignee and tags, and opens one on click', async () => {
    const api = mockApi({ ...directory, 'GET /v1/conversations': { items: rows, next_cursor: null } });
    const onOpen = vi.fn();
    await renderApp(<InboxPanel selectedId={null} onOpen={onOpen} />);

    const list = await screen.findByTestId('conversation-list');
    const items = within(list).getAllByTestId('conversation-row');
    expect(items.map((r) => r.dataset['conversationId'])).toEqual(['c1', 'c2', 'c3']);
    expect(items[0]).toHaveTextContent('Buyer c1');
    expect(items[0]).toHaveTextContent('#111-2223334-5556667');
    await waitFor(() => expect(items[0]).toHaveTextContent('Demo Admin')); // the assignee's name, from /v1/users
    expect(items[1]).toHaveTextContent('Failed');
    expect(items[1]).toHaveTextContent('Urgent');
    expect(items[2]).toHaveTextContent('Unassigned');

    await userEvent.click(items[1]!);
    expect(onOpen).toHaveBeenCalledWith('c2');
    expect(api.to('GET', '/v1/conversations')[0]?.query.get('view')).toBe('all');
    expect(api.unrouted).toEqual([]);
  });

  it('shows the risk labels the classifier set, in the agent’s language, and not other labels', async () => {
    mockApi({
      ...directory,
      'GET /v1/conversations': {
        items: [conversation('r1', { priority: 'urgent', labels: ['vip', 'risk_safety', 'bbb_complaint'] })],
        next_cursor: null,
      },
    });
    await renderApp(<InboxPanel selectedId={null} onOpen={() => undefined} />);
    const row = (await screen.findAllByTestId('conversation-row'))[0]!;
    const risks = within(row).getAllByTestId('risk-label').map((tag) => tag.textContent);
    expect(risks).toEqual(['BBB complaint', 'Safety hazard']);
    expect(row).not.toHaveTextContent('vip');
  });

  it('searches through the API and says when nothing matched', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/conversations': (request) =>
        request.query.get('q') === 'screws' ? { items: [], next_cursor: null } : { items: rows, next_cursor: null },
    });
    await renderApp(<InboxPanel selectedId={null} onOpen={() => undefined} />);
    await screen.findAllByTestId('conversation-row');

    await userEvent.type(screen.getByTestId('search'), 'screws');
    expect(await screen.findByText('Nothing matches this search and these filters.')).toBeInTheDocument();
    expect(screen.queryAllByTestId('conversation-row')).toHaveLength(0);
    expect(api.to('GET', '/v1/conversations').some((c) => c.query.get('q') === 'screws')).toBe(true);
  });

  it('shows the API’s problem when the list cannot be loaded', async () => {
    mockApi({ ...directory, 'GET /v1/conversations': problem(403, 'This API key lacks the conversations:read scope.') });
    await renderApp(<InboxPanel selectedId={null} onOpen={() => undefined} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('This API key lacks the conversations:read scope.');
  });

  it('filters by assignee through the API, and says (in Chinese too) when the people list failed', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/users': problem(403, 'This API key lacks the users:read scope.'),
      'GET /v1/conversations': { items: rows, next_cursor: null },
    });
    await renderApp(<InboxPanel selectedId={null} onOpen={() => undefined} />, { language: 'zh-CN' });
    await screen.findAllByTestId('conversation-row');
    await userEvent.click(screen.getByTestId('toggle-filters'));

    // A failing /v1/users is an error on screen, not an assignee filter that quietly lists nobody.
    const failed = await screen.findByTestId('filter-options-failed');
    expect(failed).toHaveTextContent('无法加载成员。');
    expect(failed).toHaveTextContent('This API key lacks the users:read scope.');
    // The SLA filter is always offered: it is not inferred from what the list happened to contain.
    expect(screen.getByTestId('filter-sla_state')).toBeInTheDocument();

    await userEvent.selectOptions(screen.getByTestId('filter-assignee'), 'me');
    await waitFor(() => expect(api.to('GET', '/v1/conversations').some((c) => c.query.get('assignee') === 'me')).toBe(true));
  });
});
