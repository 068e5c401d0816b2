// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { channel, directory, renderApp } from '@/test/render';
import { ChannelsPage } from './channels-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const SCOPE = 'https://api.ebay.com/oauth/api_scope/commerce.message';

const sync = (overrides: Record<string, unknown> = {}) => ({
  last_sync_at: null,
  last_error: 'MissingScope: 400 invalid_scope: the eBay token was not granted ' + SCOPE,
  last_error_at: '2026-12-04T10:00:00Z',
  state: 'reconnect',
  reconnect: {
    missing_scopes: [SCOPE],
    reason: `the eBay token lacks the permission ${SCOPE}: reconnect the store granting it`,
    since: '2026-12-04T10:00:00Z',
  },
  lag_seconds: null,
  next_poll_at: null,
  consecutive_failures: 3,
  backlog: { pending_pushes: 0, queued_replies: 0, sending_replies: 0, failed_replies: 0 },
  push_url: null,
  response_rate: null,
  ...overrides,
});

const ebay = channel({ marketplace: 'ebay', name: 'brightnest_deals', sync: sync() as never });

describe('channels page', () => {
  it('shows a channel missing a permission as "reconnect", naming the scope, with a way to reconnect', async () => {
    mockApi({ ...directory, 'GET /v1/channels': { items: [ebay] } });
    await renderApp(<ChannelsPage canEdit />);
    const row = await screen.findByTestId('channel-row');
    expect(within(row).getByTestId('sync-state')).toHaveTextContent('Reconnect needed');
    const needed = within(row).getByTestId('reconnect-needed');
    expect(needed).toHaveTextContent('Reconnect the store granting this permission:');
    expect(needed).toHaveTextContent(SCOPE);
    // Not a plain failure count: the state says what to do.
    expect(row).not.toHaveTextContent('failures in a row');
    await userEvent.click(within(row).getByTestId('reconnect-channel'));
    expect(await screen.findByText('Edit “brightnest_deals”')).toBeInTheDocument();
  });

  it('says the same in Chinese, and read-only users see the state without the button', async () => {
    mockApi({ ...directory, 'GET /v1/channels': { items: [ebay] } });
    await renderApp(<ChannelsPage canEdit={false} />, { language: 'zh-CN' });
    const row = await screen.findByTestId('channel-row');
    expect(within(row).getByTestId('sync-state')).toHaveTextContent('需要重新授权');
    expect(within(row).getByTestId('reconnect-needed')).toHaveTextContent(SCOPE);
    expect(within(row).queryByTestId('reconnect-channel')).toBeNull();
  });

  it('a failing channel keeps its failure count and no reconnect hint', async () => {
    const failing = channel({ sync: sync({ state: 'failing', reconnect: null }) as never });
    mockApi({ ...directory, 'GET /v1/channels': { items: [failing] } });
    await renderApp(<ChannelsPage canEdit />);
    const row = await screen.findByTestId('channel-row');
    expect(within(row).getByTestId('sync-state')).toHaveTextContent('Failing');
    expect(within(row).queryByTestId('reconnect-needed')).toBeNull();
    expect(row).toHaveTextContent('3 failures in a row');
  });
});
