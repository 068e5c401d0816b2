import { expectNoSeriousA11yViolations } from '../support/a11y';
import { expect, test } from '../support/fixtures';

interface Schedule {
  id: string;
  name: string;
  period: string;
  enabled: boolean;
  recipient_addresses: string[];
  next_send_at: string | null;
}

/**
 * Scheduled report emails: a supervisor mails the monthly report to a colleague and an outside
 * address, sees the field the server refuses, pauses the schedule and deletes it.
 */
test('create, refuse, pause and delete a report schedule', async ({ inbox: page, api }) => {
  await page.getByTestId('nav-reports').click();
  const panel = page.getByTestId('report-schedules');
  await expect(panel).toBeVisible();
  await panel.getByTestId('schedule-create').click();
  const dialog = page.getByTestId('schedule-dialog');
  await dialog.getByTestId('schedule-name').fill('Monthly to the owner');
  await dialog.getByTestId('schedule-period').getByRole('radio').nth(1).click();
  await dialog.getByTestId('schedule-hour').selectOption('7');
  await dialog.getByTestId('schedule-zone').fill('Asia/Atlantis');
  await dialog.getByTestId('schedule-addresses').getByRole('textbox').fill('owner@shop.example');
  await dialog.getByTestId('schedule-addresses').getByRole('textbox').press('Enter');
  await dialog.getByTestId('schedule-format-csv').check();
  await expectNoSeriousA11yViolations(page, 'report schedule dialog');
  await dialog.getByTestId('schedule-save').click();
  await expect(dialog.getByText('is not an IANA time zone', { exact: false })).toBeVisible();

  await dialog.getByTestId('schedule-zone').fill('Asia/Shanghai');
  await dialog.getByTestId('schedule-save').click();
  await expect(dialog).toBeHidden();
  const row = panel.getByTestId('schedule-row').filter({ hasText: 'Monthly to the owner' });
  await expect(row).toContainText('07:00 (Asia/Shanghai)');
  await expect(row.getByTestId('schedule-recipients')).toContainText('owner@shop.example');
  await expectNoSeriousA11yViolations(page, 'reports with schedules');

  const saved = (await api.request<Schedule[]>('GET', '/v1/reports/schedules')).find((s) => s.name === 'Monthly to the owner');
  expect(saved?.period).toBe('month');
  expect(saved?.next_send_at).not.toBeNull();

  await row.getByTestId('schedule-edit').click();
  await dialog.getByTestId('schedule-enabled').getByRole('checkbox').uncheck();
  await dialog.getByTestId('schedule-save').click();
  await expect(row.getByTestId('schedule-next')).toHaveText('Paused');

  await row.getByTestId('schedule-delete').click();
  await row.getByTestId('schedule-delete').click();
  await expect(row).toHaveCount(0);
  expect((await api.request<Schedule[]>('GET', '/v1/reports/schedules')).some((s) => s.name === 'Monthly to the owner')).toBe(false);
});
