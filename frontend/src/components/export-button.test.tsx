// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { renderApp } from '@/test/render';
import { ExportButton } from './export-button';

afterEach(() => {
  cleanup();
  resetApi();
});

const job = (status: string, extra: object = {}) => ({
  id: 'exp-1',
  kind: 'conversations',
  format: 'jsonl',
  status,
  filters: {},
  from: null,
  to: null,
  rows_total: 10,
  rows_written: status === 'done' ? 10 : 4,
  progress: status === 'queued' ? null : status === 'done' ? 1 : 0.4,
  size_bytes: null,
  error: null,
  masked: false,
  file_name: 'hourglass-conversations-20261206-010000.jsonl',
  created_by_user_id: null,
  created_by_api_key_id: null,
  created_at: '2026-12-06T01:00:00Z',
  started_at: null,
  finished_at: null,
  expires_at: null,
  ...extra,
});

describe('ExportButton', () => {
  it('sends the list filters with the chosen format, then offers the download once the job is done', async () => {
    const api = mockApi({
      'POST /v1/exports': job('queued'),
      'GET /v1/exports/:id': job('done'),
    });
    await renderApp(<ExportButton request={{ kind: 'conversations', filter: { view: 'unread', priority: 'high' } }} testId="x" />);
    await userEvent.selectOptions(screen.getByTestId('x-format'), 'jsonl');
    await userEvent.click(screen.getByTestId('x-start'));
    expect(await screen.findByTestId('x-download')).toHaveTextContent('10');
    expect(api.to('POST', '/v1/exports')[0]?.body).toEqual({ kind: 'conversations', format: 'jsonl', filter: { view: 'unread', priority: 'high' } });
    expect(api.unrouted).toEqual([]);
  });

  it('shows progress while the worker writes the file', async () => {
    mockApi({ 'POST /v1/exports': job('queued'), 'GET /v1/exports/:id': job('running') });
    await renderApp(<ExportButton request={{ kind: 'cases' }} testId="x" />);
    await userEvent.click(screen.getByTestId('x-start'));
    const status = await screen.findByTestId('x-status');
    expect(status).toHaveAttribute('data-status', 'running');
    expect(screen.getByRole('progressbar')).toHaveAttribute('value', '40');
  });
});
