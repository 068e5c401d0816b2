import { DEMO_EMAIL, DEMO_PASSWORD, expect, openConversation, row, test } from '../support/fixtures';

test('a reply the marketplace refused shows as failed, lands in Failed Messages and can be retried', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Missing parts',
    body: 'The box had no screws.',
    buyerName: 'Failing Fred',
    orderId: '700-0000001-0000001',
  });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  const failedBefore = Number(await page.getByTestId('count-failed').textContent());
  await openConversation(page, pushed.conversation_id);
  // Assigned to me: the server alerts the assignee when their reply is not delivered.
  await page.getByRole('button', { name: 'Assign to me' }).click();
  await expect(page.getByTestId('assignee-select')).not.toHaveValue('');

  await page.getByTestId('composer-input').fill('Sorry about that, we are sending the screws today.');
  await expect(page.getByTestId('lint-status')).toHaveText('Meets the marketplace’s rules');
  await page.getByTestId('composer-input').press('Control+Enter');
  const outbound = page.locator('[data-testid="message"][data-direction="outbound"][data-author="human"]');
  await expect(outbound).toHaveCount(1);
  const messageId = (await outbound.getAttribute('data-message-id')) ?? '';

  await api.reportDelivery(messageId, 'failed', 'Marketplace rejected the message: thread closed');
  const status = outbound.getByTestId('delivery-status');
  await expect(status).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  // In words with what to do; the marketplace's own text one click away.
  await expect(status.getByTestId('failure-reason')).toHaveText('The conversation is closed on the marketplace.');
  await status.getByRole('button', { name: 'Show the marketplace’s message' }).click();
  await expect(status.getByTestId('failure-detail')).toContainText('thread closed');
  await expect(page.getByTestId('count-failed')).toHaveText(String(failedBefore + 1), { timeout: 20_000 });

  // The alert is part of the feature: a failing notifications API fails the test, it does not skip the check.
  const notifications = await fetch(`${api.baseUrl}/v1/notifications`, {
    headers: { Authorization: `Bearer ${await api.login(DEMO_EMAIL, DEMO_PASSWORD)}` },
  });
  expect(notifications.status, 'GET /v1/notifications').toBe(200);
  // Pushed over the WebSocket, or found by the notification poll while there is none.
  await expect(page.getByTestId('toast').filter({ hasText: 'Reply not delivered' })).toBeVisible({ timeout: 30_000 });
  await shot('09-delivery-failed');

  await page.getByTestId('view-failed').click();
  await expect(row(page, pushed.conversation_id)).toBeVisible();
  await status.getByRole('button', { name: 'Retry' }).click();
  await expect(status).toHaveAttribute('data-status', /queued|sending/);
  await expect(page.getByTestId('count-failed')).toHaveText(String(failedBefore), { timeout: 20_000 });
});
