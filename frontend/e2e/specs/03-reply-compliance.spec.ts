import { expect, openConversation, row, test } from '../support/fixtures';

test('an outside link on Amazon is flagged while typing and refused; the fixed reply is queued', async ({ inbox: page, api, shot }) => {
  const amazon = await api.channel('amazon', 'Amazon US (e2e)');
  const pushed = await api.pushBuyerMessage(amazon, {
    subject: 'Does it fit a 2019 Civic?',
    body: 'Hello, will this floor mat fit a 2019 Honda Civic sedan?',
    buyerName: 'Jordan Lee',
    orderId: '112-7785123-0099812',
  });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);

  const input = page.getByTestId('composer-input');
  await input.fill('Yes it fits. Full size chart: https://my-own-shop.example/civic-mats');
  const violation = page.getByTestId('compliance-violation').filter({ has: page.locator('text=/outside sites/') });
  await expect(page.locator('[data-testid="compliance-violation"][data-code="external_link"]')).toBeVisible();
  await expect(violation).toContainText('my-own-shop.example');
  await expect(page.getByTestId('send-reply')).toBeDisabled();
  await expect(page.getByTestId('lint-status')).toHaveText('Fix the errors below before sending');

  // Ctrl+Enter must not get around the block.
  await input.press('Control+Enter');
  await page.waitForTimeout(500);
  const afterBlocked = await api.conversation(pushed.conversation_id);
  expect(afterBlocked.messages.filter((m) => m.direction === 'outbound' && m.author_kind === 'human')).toHaveLength(0);
  await shot('03-compliance-error');

  await input.fill('Yes, it fits the 2019 Civic sedan. Your order ships today. Thank you!');
  await expect(page.getByTestId('compliance-violation')).toHaveCount(0);
  await expect(page.getByTestId('lint-status')).toHaveText('Meets the marketplace’s rules');
  await input.press('Control+Enter');

  const outbound = page.locator('[data-testid="message"][data-direction="outbound"][data-author="human"]');
  await expect(outbound).toHaveCount(1);
  await expect(outbound).toContainText('Your order ships today');
  await expect(outbound.getByTestId('delivery-status')).toHaveAttribute('data-status', /queued|sending|sent|failed/);
  await expect(outbound.getByTestId('delivery-status')).toContainText(/Queued|Sending|Sent|Failed/);
  await expect(input).toHaveValue('');
  const detail = await api.conversation(pushed.conversation_id);
  const sent = detail.messages.filter((m) => m.direction === 'outbound' && m.author_kind === 'human');
  expect(sent).toHaveLength(1);
  await shot('03-reply-queued');
});
