import { expect, openConversation, row, test } from '../support/fixtures';

test('a pre-sale conversation flagged as spam leaves All and appears in Spam', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Boost your store sales 300% — cheap reviews',
    body: 'We sell 5-star reviews and followers at wholesale prices. Reply for a price list.',
    buyerName: 'Promo Bot',
  });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  const spamBefore = Number(await page.getByTestId('count-spam').textContent());
  await openConversation(page, pushed.conversation_id);

  await page.getByTestId('flag-spam').click();
  await page.getByTestId('spam-reason-spam').click();
  await expect(page.getByTestId('unflag-spam')).toBeVisible();
  await expect(row(page, pushed.conversation_id)).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByTestId('count-spam')).toHaveText(String(spamBefore + 1));

  await page.getByTestId('view-spam').click();
  await expect(row(page, pushed.conversation_id)).toBeVisible();
  await expect(row(page, pushed.conversation_id)).toContainText('Spam');
  await shot('04-spam-view');
});

test('an order conversation cannot be flagged as spam', async ({ inbox: page, api }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Refund please',
    body: 'The item arrived broken.',
    buyerName: 'Sam Patel',
    orderId: '200-0000001-0000001',
  });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);
  await expect(page.getByTestId('flag-spam')).toBeDisabled();
});
