import { expect, logIn, row, test } from '../support/fixtures';

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
  // The demo's sandbox keeps sending buyer messages too: the count rises by at least ours.
  await expect.poll(async () => Number(await page.getByTestId('count-all').textContent()), { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 1);
  expect(reloaded).toBe(false);
  await shot('02-live-arrival');
});

test('without the socket the inbox falls back to polling, and says it is offline', async ({ page, api }) => {
  // The socket is refused every time: the client keeps retrying with backoff and polls meanwhile.
  await page.routeWebSocket(/\/v1\/ws/, (ws) => ws.close({ code: 1011, reason: 'try again' }));
  await logIn(page);
  await expect(page.getByTestId('connection-status')).toHaveText('Offline', { timeout: 15_000 });
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Polled in', body: 'No socket today', buyerName: 'Poll Pia' });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
});
