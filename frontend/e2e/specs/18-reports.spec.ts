import { expect, test } from '../support/fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const isoDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

interface Board {
  agents: { agent_id: string; first_responses: number }[];
}

/**
 * Reports from the rollups: a reply lands in the time series (folded by the worker), the dashboard's
 * range and comparison, the leaderboard with the conversations behind a number, and the PDF report.
 */
test.setTimeout(240_000);

test('dashboard range, agent leaderboard with drill-down and the PDF report', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const me = await api.userId('demo@hourglass.local');
  const asked = await api.pushBuyerMessage(erp, { subject: 'Reports: lamp arrived broken', body: 'The lamp is broken.', buyerName: 'Report Rita', sentAt: new Date(Date.now() - 2 * HOUR) });
  await api.updateConversation(asked.conversation_id, { assignee_id: me });
  await api.replyDelivered(asked.conversation_id, 'Sorry! A replacement ships today.');

  // The worker folds the marked hours every 30 s.
  const range = `from=${encodeURIComponent(new Date(Date.now() - 7 * DAY).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + HOUR).toISOString())}`;
  await expect
    .poll(async () => (await api.request<Board>('GET', `/v1/reports/agents?${range}`)).agents.find((a) => a.agent_id === me)?.first_responses ?? 0, { timeout: 90_000, intervals: [2_000] })
    .toBeGreaterThanOrEqual(1);

  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('trend-panel')).toBeVisible();
  await expect(page.getByTestId('trend-automation-note')).toContainText('people only');
  await page.getByTestId('trend-range-from').fill(isoDay(new Date(Date.now() - 13 * DAY)));
  await expect.poll(async () => Number((await page.getByTestId('trend-replies-value').textContent()) ?? 'NaN')).toBeGreaterThanOrEqual(1);
  await expect(page.locator('[data-testid="trend-chart"] .recharts-bar-rectangle').first()).toBeVisible();

  await page.getByTestId('nav-reports').click();
  const row = page.getByTestId(`leaderboard-row-${me}`);
  await expect(row).toBeVisible();
  await row.locator('td').nth(2).getByRole('button').click();
  await expect(page.getByTestId('drilldown')).toBeVisible();
  await expect(page.getByTestId('drilldown-item').filter({ hasText: 'Reports: lamp arrived broken' })).toBeVisible();
  await shot('18-reports');

  const download = page.waitForEvent('download');
  await page.getByTestId('report-download-pdf').click();
  expect((await download).suggestedFilename()).toMatch(/^hourglass-weekly-report-.*\.pdf$/);

  await row.getByTestId('leaderboard-agent').click();
  await expect(page.getByTestId('agent-report')).toBeVisible();
  await expect(page.getByTestId('agent-first-value')).not.toHaveText('—');
});
