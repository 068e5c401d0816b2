// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi, type Recorded } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { CollaborationPage } from './collaboration-page';

afterEach(() => {
  cleanup();
  resetApi();
});

describe('collaboration settings', () => {
  it('turns draft locks on with a time-out within 30–900 s', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/draft-lock/settings': { enabled: false, ttl_seconds: 120 },
      'PUT /v1/draft-lock/settings': (request: Recorded) => {
        const body = request.body as { enabled: boolean; ttl_seconds: number };
        return body.ttl_seconds > 900
          ? problem(422, 'Invalid input', { errors: [{ field: 'body.ttl_seconds', reason: 'Input should be less than or equal to 900' }] })
          : body;
      },
    });
    await renderApp(<CollaborationPage canEdit />);
    await screen.findByTestId('draft-lock-enabled');
    await userEvent.click(within('draft-lock-enabled', 'checkbox'));
    const ttl = screen.getByTestId('draft-lock-ttl');
    await userEvent.clear(ttl);
    await userEvent.type(ttl, '950');
    await userEvent.click(screen.getByTestId('draft-lock-save'));
    // The browser's own range check holds an out-of-range value back; the server checks it too.
    expect(api.to('PUT', '/v1/draft-lock/settings')).toHaveLength(0);
    await userEvent.clear(ttl);
    await userEvent.type(ttl, '90');
    await userEvent.click(screen.getByTestId('draft-lock-save'));
    await waitFor(() => expect(screen.getByTestId('draft-lock-saved')).toBeInTheDocument());
    expect(api.to('PUT', '/v1/draft-lock/settings').at(-1)?.body).toEqual({ enabled: true, ttl_seconds: 90 });
  });

  it('is read-only for agents', async () => {
    mockApi({ ...directory, 'GET /v1/draft-lock/settings': { enabled: true, ttl_seconds: 120 } });
    await renderApp(<CollaborationPage canEdit={false} />, { language: 'zh-CN' });
    expect(await screen.findByText('草稿锁')).toBeInTheDocument();
    expect(screen.queryByTestId('draft-lock-save')).toBeNull();
    await waitFor(() => expect(within('draft-lock-enabled', 'checkbox')).toBeChecked());
    expect(within('draft-lock-enabled', 'checkbox')).toBeDisabled();
  });
});

function within(testId: string, role: 'checkbox'): HTMLElement {
  return screen.getByTestId(testId).querySelector(`input[type="${role}"]`) as HTMLElement;
}
