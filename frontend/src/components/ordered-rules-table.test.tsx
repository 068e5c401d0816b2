// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { OrderedRulesTable } from './ordered-rules-table';

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
