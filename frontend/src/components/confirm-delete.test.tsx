// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { ConfirmDelete } from './confirm-delete';

afterEach(() => {
  cleanup();
  resetApi();
});

describe('confirm delete', () => {
  it('lists what uses a store and keeps Delete disabled, saying to disable it instead (zh-CN)', async () => {
    mockApi({
      ...directory,
      'GET /v1/channels/:id/usage': {
        used_by: [{ kind: 'conversations', id: null, name: 'conversations', count: 3 }],
        deletable: false,
        hint: 'Disable the store instead.',
      },
    });
    await renderApp(<ConfirmDelete kind="channel" id="c1" name="BrightNest" invalidate={['channels']} onClose={() => {}} />, { language: 'zh-CN' });
    expect(await screen.findByTestId('confirm-delete-user')).toHaveTextContent('3 个会话');
    expect(screen.getByTestId('confirm-delete-used')).toHaveTextContent('请改为停用店铺');
    expect(screen.getByTestId('confirm-delete-button')).toBeDisabled();
  });

  it('deletes what nothing uses after the confirmation', async () => {
    let closed = false;
    const api = mockApi({
      ...directory,
      'GET /v1/templates/:id/usage': { used_by: [], deletable: true, hint: null },
      'DELETE /v1/templates/:id': null,
    });
    await renderApp(
      <ConfirmDelete kind="template" id="t1" name="Ships today" invalidate={['templates']} onClose={() => {}} onDeleted={() => (closed = true)} />,
    );
    expect(await screen.findByTestId('confirm-delete-free')).toHaveTextContent('No rule or setting uses this template');
    await userEvent.click(screen.getByTestId('confirm-delete-button'));
    await vi.waitFor(() => expect(closed).toBe(true));
    expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/v1/templates/t1')).toBe(true);
  });
});
