import { expect, test } from '../support/fixtures';

const HOUR = 3_600_000;
const num = async (text: Promise<string | null>) => Number((await text)?.replace(/[^\d]/g, '') || 'NaN');

/**
 * The dashboard after some traffic: a reply delivered in time, a message about to breach, two
 * overdue ones (one on Amazon, whose 90 % threshold it breaks), each counted by the API.
 */
test('the dashboard shows the headline figures, response rate against thresholds, a chart and workload', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const amazon = await api.channel('amazon', 'E2E Amazon store');
  const me = await api.userId('demo@hourglass.local');
  // The figures below are about the marketplaces' clocks: the demo's office-hours targets would make
  // the "due soon" message overdue or not depending on the time of day the test runs.
  const restoreInternalTargets = await api.withoutInternalTargets();
  try {
    const answered = await api.pushBuyerMessage(erp, { subject: 'Dashboard: answered', body: 'Do you ship to Canada?', buyerName: 'Dash Anna', sentAt: new Date(Date.now() - HOUR) });
    await api.replyDelivered(answered.conversation_id, 'Yes, we ship to Canada within 5 days.');
    const soon = await api.pushBuyerMessage(erp, { subject: 'Dashboard: due soon', body: 'Any news?', buyerName: 'Dash Ben', sentAt: new Date(Date.now() - 20 * HOUR) });
    const late = await api.pushBuyerMessage(erp, { subject: 'Dashboard: overdue', body: 'Hello??', buyerName: 'Dash Cleo', sentAt: new Date(Date.now() - 25 * HOUR) });
    await api.pushBuyerMessage(amazon, { subject: 'Dashboard: Amazon overdue', body: 'Where is it?', buyerName: 'Dash Dan', orderId: '112-0000000-0000001', sentAt: new Date(Date.now() - 25 * HOUR) });
    await api.updateConversation(late.conversation_id, { assignee_id: me });
    await api.updateConversation(soon.conversation_id, { assignee_id: me });

    await page.getByTestId('nav-dashboard').click();
    await expect(page.getByTestId('dashboard')).toBeVisible();
    await expect.poll(() => num(page.getByTestId('kpi-overdue').textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(await num(page.getByTestId('kpi-due_soon').textContent())).toBeGreaterThanOrEqual(1);
    expect(await num(page.getByTestId('kpi-handled').textContent())).toBeGreaterThanOrEqual(1);
    expect(await num(page.getByTestId('kpi-pending').textContent())).toBeGreaterThanOrEqual(3);
    await expect(page.getByTestId('kpi-avg')).not.toHaveText('—');

    // Amazon: one message missed, none answered in its window: below the 90 % threshold.
    const amazonRow = page.locator('[data-testid="rate-row"][data-marketplace="amazon"]');
    await expect(amazonRow).toHaveAttribute('data-health', 'below');
    await expect(amazonRow.getByTestId('rate-headroom')).toHaveText('Below threshold');
    await expect(amazonRow).toContainText('target 90.0%');
    // The ERP feed has no marketplace threshold, but its rate is real.
    await expect(page.locator('[data-testid="rate-row"][data-marketplace="api"]').getByTestId('rate-headroom')).toHaveText('No threshold');
    await page.getByTestId('rate-window').getByRole('radio', { name: '7 days' }).click();
    await expect(amazonRow).toHaveAttribute('data-health', 'below');

    // The chart over time has bars for the last period.
    await expect(page.locator('[data-testid="rate-chart"] .recharts-bar-rectangle').first()).toBeVisible();

    // Workload: the demo admin holds the two conversations assigned above (at least).
    const mine = page.locator(`[data-testid="workload-row"][data-assignee="${me}"]`);
    await expect.poll(async () => num(mine.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(2);
    expect(await num(mine.locator('td').nth(3).textContent())).toBeGreaterThanOrEqual(1);
    await shot('12-dashboard');

    // A new overdue message while the dashboard is open: the figure follows (pushed events refresh it).
    const before = await num(page.getByTestId('kpi-overdue').textContent());
    await api.pushBuyerMessage(erp, { subject: 'Dashboard: overdue 2', body: 'Still waiting', buyerName: 'Dash Eve', sentAt: new Date(Date.now() - 30 * HOUR) });
    await expect.poll(() => num(page.getByTestId('kpi-overdue').textContent()), { timeout: 20_000 }).toBeGreaterThan(before);

    await page.getByRole('button', { name: '中文' }).click();
    await expect(page.getByRole('heading', { name: '数据看板' })).toBeVisible();
    await expect(amazonRow.getByTestId('rate-headroom')).toHaveText('低于平台要求');
    await shot('12-dashboard-zh');
    await page.getByRole('button', { name: 'English' }).click();
  } finally {
    await restoreInternalTargets();
  }
});
