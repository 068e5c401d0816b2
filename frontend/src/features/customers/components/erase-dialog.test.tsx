// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { components } from '@/api/schema';
import { mockApi, problem, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { confirmationMatches, EraseDialog } from './erase-dialog';

afterEach(() => {
  cleanup();
  resetApi();
});

const ID = '0196f000-0000-7000-8000-0000000000e1';
const customer = {
  id: ID,
  display_name: 'Jane Doe',
  external_buyer_id: 'jane@example.com',
  identities: [{ id: ID }],
  conversation_count: 2,
} as unknown as components['schemas']['CustomerDetail'];

describe('Erase a buyer', () => {
  it('matches the typed word whatever its case and spaces', () => {
    expect(confirmationMatches(' erase ', 'ERASE')).toBe(true);
    expect(confirmationMatches('eras', 'ERASE')).toBe(false);
    expect(confirmationMatches('删除', '删除')).toBe(true);
  });

  it('needs the typed confirmation; a 409 offers erasing anyway, which sends force', async () => {
    let attempt = 0;
    const api = mockApi({
      ...directory,
      'POST /v1/customers/:id/erasure': () => {
        attempt += 1;
        return attempt === 1
          ? problem(409, 'The buyer has 1 open case(s) and 0 running marketplace reply clock(s): close or answer them first, or send force: true to erase anyway.')
          : { customer_id: ID, identity_ids: [ID], conversations: 2, messages: 3, forced: true, erased_at: '2026-12-05T18:00:00Z' };
      },
    });
    const onClose = vi.fn();
    await renderApp(<EraseDialog customer={customer} onClose={onClose} />);
    const confirm = screen.getByTestId('erase-confirm');
    expect(confirm).toBeDisabled();
    await userEvent.type(screen.getByTestId('erase-typed'), 'ERASE');
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);
    expect(await screen.findByTestId('erase-blocked')).toHaveTextContent('1 open case');
    expect(confirm).toBeDisabled();
    await userEvent.click(screen.getByTestId('erase-force'));
    await userEvent.click(confirm);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(api.to('POST', `/v1/customers/${ID}/erasure`).map((r) => r.body)).toEqual([{ force: false }, { force: true }]);
  });
});
