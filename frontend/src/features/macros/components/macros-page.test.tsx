// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi, type Recorded } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { MacrosPage } from './macros-page';

afterEach(() => {
  cleanup();
  resetApi();
});

describe('Settings → Macros', () => {
  it('builds a macro from the chosen actions only and shows the API’s reason under its field', async () => {
    let attempts = 0;
    const api = mockApi({
      ...directory,
      'GET /v1/macros': [],
      'GET /v1/templates': [],
      'POST /v1/macros': (request: Recorded) => {
        attempts += 1;
        return attempts === 1
          ? problem(422, 'No such user', { errors: [{ field: 'body.actions.reply.text', reason: 'unknown variable foo' }] })
          : { ...(request.body as object), id: 'm1' };
      },
    });
    await renderApp(<MacrosPage canShareOrg={false} />);
    await userEvent.click(await screen.findByTestId('macro-new'));
    await userEvent.type(screen.getByTestId('macro-name'), 'Shipped');
    await userEvent.selectOptions(screen.getByTestId('macro-priority'), 'urgent');
    await userEvent.selectOptions(screen.getByTestId('macro-assign'), 'me');
    await userEvent.selectOptions(screen.getByTestId('macro-reply-mode'), 'text');
    await userEvent.type(screen.getByTestId('macro-reply-text-input'), 'Hello');
    // Sharing with everyone is not offered without settings:write.
    expect(screen.getByTestId('macro-visibility').querySelectorAll('option')).toHaveLength(2);
    await userEvent.click(screen.getByTestId('macro-save'));
    expect(await screen.findByText('unknown variable foo')).toBeInTheDocument();
    expect(api.to('POST', '/v1/macros')[0]?.body).toEqual({
      name: 'Shipped',
      description: '',
      visibility: 'personal',
      team_id: null,
      actions: { priority: 'urgent', assign_to: 'me', reply: { text: 'Hello' } },
    });
    await userEvent.click(screen.getByTestId('macro-save'));
    await waitFor(() => expect(screen.queryByTestId('macro-form')).toBeNull());
  });

  it('lists macros in Chinese and deletes only after a confirmation', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/templates': [],
      'GET /v1/macros': [
        {
          id: 'm1',
          name: '已发货',
          description: '',
          visibility: 'org',
          team_id: null,
          owner_user_id: 'u',
          mine: false,
          can_edit: true,
          actions: { status: 'resolved', add_labels: ['shipped'] },
          created_at: '2026-12-06T00:00:00Z',
          updated_at: '2026-12-06T00:00:00Z',
        },
      ],
      'DELETE /v1/macros/:id': { status: 204 },
    });
    await renderApp(<MacrosPage canShareOrg />, { language: 'zh-CN' });
    const row = await screen.findByTestId('macro-row');
    expect(row).toHaveTextContent('所有人');
    expect(row).toHaveTextContent('添加 shipped');
    await userEvent.click(screen.getByTestId('macro-delete'));
    expect(api.to('DELETE', '/v1/macros/m1')).toHaveLength(0);
    expect(screen.getByTestId('macro-delete')).toHaveTextContent('确定删除？');
    await userEvent.click(screen.getByTestId('macro-delete'));
    await waitFor(() => expect(api.to('DELETE', '/v1/macros/m1')).toHaveLength(1));
  });
});
