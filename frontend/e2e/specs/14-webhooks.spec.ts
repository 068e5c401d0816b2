import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '../support/fixtures';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on this machine (the e2e backend allows loopback webhook targets). */
async function receiver() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

test('add a webhook endpoint: the secret shows once, a test call, the delivery log with attempts, replay', async ({ inbox: page, api, shot }) => {
  const hook = await receiver();
  try {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-nav-webhooks').click();
    await page.getByTestId('new-webhook').click();
    const dialog = page.getByTestId('webhook-dialog');
    // A private address without the allow-list would be refused; first show a field error: not https.
    await dialog.getByTestId('webhook-url').fill('ftp://example.com/hook');
    await dialog.getByTestId('webhook-save').click();
    await expect(dialog.locator('.ffield.has-error')).toBeVisible();

    await dialog.getByTestId('webhook-url').fill(hook.url);
    await dialog.getByTestId('event-message.received').check();
    await dialog.getByTestId('webhook-save').click();

    // The signing secret, once.
    const secretDialog = page.getByTestId('webhook-secret');
    const secret = (await secretDialog.getByTestId('secret-value').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await shot('14-webhook-secret');
    await secretDialog.getByTestId('secret-done').click();
    await expect(secretDialog).toHaveCount(0);
    const endpointRow = page.getByTestId('webhook-row').filter({ hasText: hook.url });
    await expect(endpointRow).toBeVisible();
    await expect(page.getByText(secret)).toHaveCount(0);

    // A signed test call, answered by the receiver.
    await endpointRow.getByTestId('webhook-test').click();
    await expect(page.getByTestId('webhook-test-result')).toContainText('Test delivered');
    await expect(page.getByTestId('webhook-test-result')).toContainText('thanks');
    expect(hook.received.at(-1)?.headers['webhook-signature']).toMatch(/^v1,/);

    // A real event: the buyer's message is delivered and logged with its attempt.
    await endpointRow.click();
    const erp = await api.channel('api', 'ERP feed');
    await api.pushBuyerMessage(erp, { subject: 'Webhook check', body: 'Ping the ERP', buyerName: 'Hook Hana' });
    const newest = page.getByTestId('delivery-row').filter({ hasText: 'message.received' }).first();
    await expect(newest).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    // Pin it: the sandbox's traffic keeps adding rows above it.
    const delivery = page.locator(`[data-testid="delivery-row"][data-delivery-id="${await newest.getAttribute('data-delivery-id')}"]`);
    await delivery.click();
    const attempt = page.getByTestId('delivery-detail').getByTestId('attempt').first();
    await expect(attempt).toContainText(/POST \S*\/hook/);
    await expect(attempt).toContainText('200');
    await shot('14-webhook-deliveries');

    // Replay: the same delivery again, with the same webhook-id (the delivery's id).
    const webhookId = (await delivery.getAttribute('data-delivery-id')) ?? '';
    const sent = () => hook.received.filter((r) => r.headers['webhook-id'] === webhookId).length;
    expect(sent()).toBe(1);
    await delivery.getByTestId('delivery-replay').click();
    await expect.poll(sent, { timeout: 30_000 }).toBe(2);
  } finally {
    await hook.close();
  }
});

test('create an API key: the secret shows once and works; revoking it stops it', async ({ inbox: page, api }) => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-api-keys').click();
  await page.getByTestId('create-api-key').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox').first().fill('E2E read-only key');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const secret = (await page.getByTestId('api-key-created').getByTestId('secret-value').textContent()) ?? '';
  expect(secret).toMatch(/^hg_/);
  await page.getByTestId('api-key-created').getByRole('button', { name: 'Done' }).click();
  await expect(page.getByText(secret)).toHaveCount(0);
  // The key works as shown…
  await expect.poll(async () => (await fetch(`${api.baseUrl}/v1/conversations?limit=1`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);
  // …until it is revoked (the button asks once more).
  const keyRow = page.getByTestId('api-key-row').filter({ hasText: 'E2E read-only key' }).last();
  await keyRow.getByRole('button', { name: 'Revoke' }).click();
  await keyRow.getByRole('button', { name: 'Really revoke?' }).click();
  await expect(keyRow).toContainText('Revoked');
  expect((await fetch(`${api.baseUrl}/v1/conversations?limit=1`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
});
