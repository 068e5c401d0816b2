// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { renderApp } from '@/test/render';
import { ReportSchedules } from './report-schedules';

afterEach(() => {
  cleanup();
  resetApi();
});

const USERS = [
  { id: 'u1', name: 'Li Lei', email: 'li@shop.test', is_active: true, role: 'supervisor' },
  { id: 'u2', name: 'Gone', email: 'gone@shop.test', is_active: false, role: 'agent' },
];
const schedule = {
  id: 's1',
  name: 'Weekly to leads',
  period: 'week',
  hour: 8,
  time_zone: 'Asia/Shanghai',
  language: 'zh-CN',
  formats: ['pdf'],
  recipient_user_ids: ['u1'],
  recipient_addresses: ['boss@shop.example'],
  enabled: true,
  created_at: '2026-12-01T00:00:00Z',
  next_send_at: '2026-12-07T00:00:00Z',
  last_delivery: { period_start: '2026-11-23', recipients: 2, created_at: '2026-11-30T00:00:00Z' },
};

describe('report schedules', () => {
  it('lists schedules with names for user recipients, in Chinese', async () => {
    mockApi({ 'GET /v1/reports/schedules': [schedule], 'GET /v1/users': USERS });
    await renderApp(<ReportSchedules />, { language: 'zh-CN' });
    const row = await screen.findByTestId('schedule-row');
    expect(row).toHaveTextContent('每周一 08:00（Asia/Shanghai）');
    expect(await within(row).findByText('Li Lei, boss@shop.example')).toBeInTheDocument();
    expect(row).toHaveTextContent('2026-11-23 起的周期，已发给 2 位收件人');
  });

  it('creates a schedule from active users and addresses, and shows the field the server refused', async () => {
    let attempt = 0;
    const api = mockApi({
      'GET /v1/reports/schedules': [],
      'GET /v1/users': USERS,
      'POST /v1/reports/schedules': () =>
        ++attempt === 1
          ? problem(422, 'Invalid input', { errors: [{ field: 'body.time_zone', reason: 'Value error, is not an IANA time zone (e.g. Asia/Shanghai, UTC)' }] })
          : { status: 201, json: { ...schedule, id: 's2' } },
    });
    await renderApp(<ReportSchedules />);
    expect(await screen.findByText('No report is mailed yet.')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('schedule-create'));
    const dialog = await screen.findByTestId('schedule-dialog');
    expect(within(dialog).queryByText('Gone')).toBeNull(); // inactive users are not offered
    await userEvent.type(screen.getByTestId('schedule-name'), 'Monthly');
    await userEvent.click(within(screen.getByTestId('schedule-period')).getByRole('radio', { name: 'Monthly report' }));
    await userEvent.click(within(screen.getByTestId('schedule-users')).getByRole('checkbox'));
    await userEvent.type(within(screen.getByTestId('schedule-addresses')).getByRole('textbox'), 'boss@shop.example{Enter}');
    await userEvent.click(screen.getByTestId('schedule-format-xlsx'));
    await userEvent.clear(screen.getByTestId('schedule-zone'));
    await userEvent.type(screen.getByTestId('schedule-zone'), 'Mars/Base');
    await userEvent.click(screen.getByTestId('schedule-save'));
    expect(await within(dialog).findByText('is not an IANA time zone (e.g. Asia/Shanghai, UTC)')).toBeInTheDocument();
    await userEvent.clear(screen.getByTestId('schedule-zone'));
    await userEvent.type(screen.getByTestId('schedule-zone'), 'UTC');
    await userEvent.click(screen.getByTestId('schedule-save'));
    await expect.poll(() => screen.queryByTestId('schedule-dialog')).toBeNull();
    const posted = api.calls.filter((c) => c.method === 'POST');
    expect(posted.at(-1)?.body).toMatchObject({
      name: 'Monthly',
      period: 'month',
      time_zone: 'UTC',
      formats: ['pdf', 'xlsx'],
      recipient_user_ids: ['u1'],
      recipient_addresses: ['boss@shop.example'],
    });
  });
});
