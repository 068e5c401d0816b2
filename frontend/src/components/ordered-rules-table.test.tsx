// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { OrderedRulesTable, swapPositions } from './ordered-rules-table';

afterEach(() => {
  cleanup();
  resetApi();
});

const rows = [
  { id: 'r2', name: 'Second', position: 20, is_active: false },
  { id: 'r1', name: 'First', position: 10, is_active: true },
];

describe('ordered rules table', () => {
  it('lists rules by position, toggles, edits, and deletes after the confirmation', async () => {
    const onToggle = vi.fn();
    const onEdit = vi.fn();
    const api = mockApi({
      ...directory,
      'GET /v1/automation/rules/:id/usage': { used_by: [], deletable: true, hint: null },
      'DELETE /v1/automation/rules/:id': null,
    });
    await renderApp(
      <OrderedRulesTable
        rows={rows}
        columns={[{ header: 'Name', cell: (r) => r.name }]}
        canEdit
        rowTestId="rule-row"
        onToggle={(r, v) => onToggle(r.id, v)}
        onEdit={(r) => onEdit(r.id)}
        deletion={{ kind: 'rule', invalidate: ['automation'], testId: 'delete-rule' }}
      />,
    );
    const shown = screen.getAllByTestId('rule-row');
    expect(shown.map((r) => r.textContent)).toEqual([expect.stringContaining('First'), expect.stringContaining('Second')]);
    expect(shown[1]).toHaveClass('is-inactive');
    await userEvent.click(within(shown[1]!).getByRole('checkbox', { name: 'Active' }));
    expect(onToggle).toHaveBeenCalledWith('r2', true);
    await userEvent.click(within(shown[0]!).getByRole('button', { name: 'Edit' }));
    expect(onEdit).toHaveBeenCalledWith('r1');
    await userEvent.click(within(shown[0]!).getByTestId('delete-rule'));
    await userEvent.click(await screen.findByTestId('confirm-delete-button'));
    await vi.waitFor(() => expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/v1/automation/rules/r1')).toBe(true));
  });

  it('shows no actions to a reader and keeps locked toggles disabled', async () => {
    mockApi({ ...directory });
    await renderApp(
      <OrderedRulesTable rows={rows} columns={[]} canEdit={false} rowTestId="rule-row" onToggle={() => {}} onEdit={() => {}} toggleLocked={(r) => r.id === 'r1'} />,
    );
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    for (const box of screen.getAllByRole('checkbox')) expect(box).toBeDisabled();
  });
});

describe('moving ordered rules', () => {
  const three = [
    { id: 'a', name: 'A', position: 10, is_active: true },
    { id: 'b', name: 'B', position: 20, is_active: true },
    { id: 'c', name: 'C', position: 30, is_active: true },
  ];

  it('swaps positions with the neighbour, and cannot move past either end', async () => {
    const onMove = vi.fn();
    mockApi({ ...directory });
    await renderApp(<OrderedRulesTable rows={three} columns={[]} canEdit rowTestId="rule-row" onToggle={() => {}} onMove={onMove} />);
    const shown = screen.getAllByTestId('rule-row');
    expect(within(shown[0]!).getByRole('button', { name: 'Move up' })).toBeDisabled();
    expect(within(shown[2]!).getByRole('button', { name: 'Move down' })).toBeDisabled();
    await userEvent.click(within(shown[1]!).getByRole('button', { name: 'Move up' }));
    expect(onMove).toHaveBeenLastCalledWith([
      { row: three[1], position: 10 },
      { row: three[0], position: 20 },
    ]);
    await userEvent.click(within(shown[1]!).getByRole('button', { name: 'Move down' }));
    expect(onMove).toHaveBeenLastCalledWith([
      { row: three[1], position: 30 },
      { row: three[2], position: 20 },
    ]);
  });

  it('splits a tie instead of swapping equal positions', () => {
    const [a, b] = [
      { id: 'a', name: 'A', position: 5, is_active: true },
      { id: 'b', name: 'B', position: 5, is_active: true },
    ];
    expect(swapPositions(b, a, true)).toEqual([{ row: b, position: 4 }]);
    expect(swapPositions(a, b, false)).toEqual([{ row: a, position: 6 }]);
    expect(swapPositions({ ...b, position: 0 }, { ...a, position: 0 }, true)).toEqual([{ row: { ...a, position: 0 }, position: 1 }]);
  });

  it('offers no moves to a reader, nor when the page cannot save them', async () => {
    mockApi({ ...directory });
    const view = await renderApp(<OrderedRulesTable rows={three} columns={[]} canEdit={false} rowTestId="rule-row" onToggle={() => {}} onMove={() => {}} />);
    expect(screen.queryByRole('button', { name: 'Move up' })).toBeNull();
    view.unmount();
    await renderApp(<OrderedRulesTable rows={three} columns={[]} canEdit rowTestId="rule-row" onToggle={() => {}} onEdit={() => {}} />);
    expect(screen.queryByRole('button', { name: 'Move up' })).toBeNull();
  });
});

describe('named rows (calendars, templates)', () => {
  it('sorts by name, shows no position, and no Active column for a kind without one', async () => {
    const onEdit = vi.fn();
    mockApi({ ...directory });
    const calendars = [
      { id: 'c2', name: 'Weekend desk' },
      { id: 'c1', name: 'Office hours' },
    ];
    await renderApp(<OrderedRulesTable rows={calendars} columns={[{ header: 'Name', cell: (c) => c.name }]} canEdit rowTestId="calendar-row" onEdit={(c) => onEdit(c.id)} />);
    expect(screen.getAllByTestId('calendar-row').map((r) => r.textContent)).toEqual([expect.stringContaining('Office hours'), expect.stringContaining('Weekend desk')]);
    expect(screen.queryByRole('columnheader', { name: '#' })).toBeNull();
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Move up' })).toBeNull();
    await userEvent.click(within(screen.getAllByTestId('calendar-row')[1]!).getByRole('button', { name: 'Edit' }));
    expect(onEdit).toHaveBeenCalledWith('c2');
  });

  it('takes the page’s own order, and leaves out the actions column when there is no action', async () => {
    const onToggle = vi.fn();
    mockApi({ ...directory });
    const templates = [
      { id: 't1', name: 'Alpha', is_active: true, usage_count: 1 },
      { id: 't2', name: 'Beta', is_active: false, usage_count: 9 },
    ];
    await renderApp(
      <OrderedRulesTable
        rows={templates}
        columns={[{ header: 'Name', cell: (x) => x.name }]}
        canEdit
        rowTestId="template-row"
        compare={(a, b) => b.usage_count - a.usage_count}
        onToggle={(x, v) => onToggle(x.id, v)}
      />,
    );
    const shown = screen.getAllByTestId('template-row');
    expect(shown.map((r) => r.textContent)).toEqual(['Beta', 'Alpha']);
    expect(shown[0]).toHaveClass('is-inactive');
    expect(screen.getAllByRole('columnheader')).toHaveLength(2);
    await userEvent.click(within(shown[0]!).getByRole('checkbox', { name: 'Active' }));
    expect(onToggle).toHaveBeenCalledWith('t2', true);
  });
});
