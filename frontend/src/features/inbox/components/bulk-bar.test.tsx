// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { BulkBar } from './bulk-bar';

afterEach(() => {
  cleanup();
  resetApi();
});

const JOB = {
  id: 'job-1',
  target: 'conversations',
  action: {},
  status: 'queued',
  total: 2,
  done: 0,
  failed: 0,
  created_at: '2026-12-05T06:00:00Z',
  started_at: null,
  finished_at: null,
  failures: [],
  failures_truncated: false,
};

describe('bulk bar: open a case on many conversations', () => {
  it('sends open_case with the chosen kind and reports the job', async () => {
    const api = mockApi({ ...directory, 'POST /v1/conversations/bulk': JOB });
    const started = vi.fn();
    await renderApp(<BulkBar selection={{ ids: ['c1', 'c2'] }} count={2} onClear={() => undefined} onStarted={started} />);
    await userEvent.selectOptions(screen.getByTestId('bulk-action'), 'open_case');
    expect(screen.getByText(/already has an open case/)).toBeInTheDocument();
    expect(screen.getByTestId('bulk-apply')).toBeDisabled();
    await userEvent.selectOptions(screen.getByTestId('bulk-value'), 'return');
    await userEvent.click(screen.getByTestId('bulk-apply'));
    await waitFor(() => expect(started).toHaveBeenCalledWith('job-1'));
    expect(api.to('POST', '/v1/conversations/bulk')[0]?.body).toEqual({
      conversation_ids: ['c1', 'c2'],
      action: { kind: 'open_case', case_kind: 'return', reason: '' },
    });
  }, 30_000);

  it('offers the case kinds in Chinese', async () => {
    mockApi({ ...directory });
    await renderApp(<BulkBar selection={{ ids: ['c1'] }} count={1} onClear={() => undefined} onStarted={() => undefined} />, {
      language: 'zh-CN',
    });
    await userEvent.selectOptions(screen.getByTestId('bulk-action'), 'open_case');
    expect(screen.getByRole('option', { name: '创建售后工单' })).toBeInTheDocument();
    expect(screen.getByTestId('bulk-value').querySelectorAll('option').length).toBe(7);
  }, 30_000);
});
