import { expect, row, test } from '../support/fixtures';

test('a conversation pushed through the API appears in the inbox without a reload', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const before = Number(await page.getByTestId('count-all').textContent());
  // Whatever the transport (WebSocket push, or 5 s polling until the socket exists), no reload.
  let reloaded = false;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) reloaded = true;
  });

  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Where is my order? 我的订单到哪了',
    body: 'Hi, I ordered a phone case last week and it has not shipped yet. Can you check?',
    buyerName: 'Alisa Moreno',
    orderId: '111-3958185-1645065',
  });

  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await expect(row(page, pushed.conversation_id)).toContainText('Alisa Moreno');
  await expect(row(page, pushed.conversation_id)).toContainText('Where is my order?');
  await expect(page.getByTestId('count-all')).toHaveText(String(before + 1), { timeout: 20_000 });
  expect(reloaded).toBe(false);
  await shot('02-live-arrival');
});
