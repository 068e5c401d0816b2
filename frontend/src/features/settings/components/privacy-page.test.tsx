// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { PrivacyPage } from './privacy-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const defaults = { retention_days: null, minimum_retention_days: 365, masked_roles: [], rollups_frozen_before: null };

describe('Settings > Privacy', () => {
  it('sets a retention period and the masked roles; the server’s minimum is shown under the field', async () => {
    let attempt = 0;
    const api = mockApi({
      ...directory,
      'GET /v1/privacy/settings': defaults,
      'PUT /v1/privacy/settings': (r) => {
        attempt += 1;
        return attempt === 1
          ? problem(422, 'Invalid input', {
              errors: [{ field: 'body.retention_days', reason: 'Value error, must be at least 365 days (service records are kept at least a year), or null to keep everything' }],
            })
          : { ...defaults, ...(r.body as object) };
      },
    });
    await renderApp(<PrivacyPage canEdit />);
    expect(await screen.findByTestId('retention-keep')).toBeChecked();
    expect(screen.getByTestId('masking-help')).toHaveTextContent('j***@example.com');
    expect(screen.getByTestId('masking-help')).toHaveTextContent('Message text');
    await userEvent.click(screen.getByTestId('retention-limit'));
    const days = screen.getByTestId('retention-days');
    expect(days).toHaveValue(365);
    expect(screen.getByText(/At least 365 days/)).toBeInTheDocument();
    await userEvent.clear(days);
    await userEvent.type(days, '30');
    await userEvent.click(screen.getByTestId('mask-agent'));
    await userEvent.click(screen.getByTestId('privacy-save'));
    expect(await screen.findByText(/must be at least 365 days/)).toBeInTheDocument();
    expect(api.to('PUT', '/v1/privacy/settings')[0]?.body).toEqual({ retention_days: 30, masked_roles: ['agent'] });

    await userEvent.clear(days);
    await userEvent.type(days, '400');
    await userEvent.click(screen.getByTestId('privacy-save'));
    expect(await screen.findByTestId('privacy-saved')).toBeInTheDocument();
    expect(api.to('PUT', '/v1/privacy/settings')[1]?.body).toEqual({ retention_days: 400, masked_roles: ['agent'] });
  });

  it('keep everything sends null; non-admins see the settings read-only, in Chinese too', async () => {
    mockApi({
      ...directory,
      'GET /v1/privacy/settings': { ...defaults, retention_days: 730, masked_roles: ['agent'], rollups_frozen_before: '2025-12-05T18:00:00Z' },
    });
    await renderApp(<PrivacyPage canEdit={false} />, { language: 'zh-CN' });
    expect(await screen.findByTestId('retention-days')).toHaveValue(730);
    expect(screen.getByTestId('mask-agent')).toBeChecked();
    expect(screen.getByTestId('mask-agent')).toBeDisabled();
    expect(screen.getByTestId('rollups-frozen')).toBeInTheDocument();
    expect(screen.getByText('只有管理员可以修改这些设置。')).toBeInTheDocument();
    expect(screen.queryByTestId('privacy-save')).toBeNull();
  });

  it('going back to keeping everything sends null', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/privacy/settings': { ...defaults, retention_days: 730 },
      'PUT /v1/privacy/settings': (r) => ({ ...defaults, ...(r.body as object) }),
    });
    await renderApp(<PrivacyPage canEdit />);
    await userEvent.click(await screen.findByTestId('retention-keep'));
    await userEvent.click(screen.getByTestId('privacy-save'));
    await waitFor(() => expect(api.to('PUT', '/v1/privacy/settings')).toHaveLength(1));
    expect(api.to('PUT', '/v1/privacy/settings')[0]?.body).toEqual({ retention_days: null, masked_roles: [] });
  });
});
