import { DEMO_EMAIL, DEMO_PASSWORD, expect, openConversation, row, test } from '../support/fixtures';

test('reply with a template: search, preview filled with the conversation’s data, insert, send', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const buyer = 'Template Tina';
  const orderId = '600-1111111-2222222';
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Where is my parcel?', body: 'It has been a week.', buyerName: buyer, orderId });
  // The demo organisation's starter library, through the real template API: nothing is simulated.
  expect(await api.hasTemplates(await api.login(DEMO_EMAIL, DEMO_PASSWORD)), 'GET /v1/templates must answer').toBe(true);

  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);
  await page.getByTestId('template-picker').click();
  await page.getByTestId('template-search').fill('where is my order');
  const preview = page.getByTestId('template-preview');
  await expect(preview).toContainText(orderId);
  await expect(preview).toContainText(`Hi ${buyer}`);
  await expect(preview).not.toContainText('{{');
  await shot('08-template-preview');

  await page.getByTestId('template-insert').click();
  const input = page.getByTestId('composer-input');
  await expect(input).toHaveValue(new RegExp(orderId));
  await expect(page.getByTestId('lint-status')).toHaveText('Meets the marketplace’s rules');
  await input.press('Control+Enter');

  const outbound = page.locator('[data-testid="message"][data-direction="outbound"][data-author="human"]');
  await expect(outbound).toHaveCount(1);
  await expect(outbound).toContainText(orderId);
  await expect(outbound).toContainText('Template');
  await expect(outbound.getByTestId('delivery-status')).toHaveAttribute('data-status', /queued|sending|sent/);
  await shot('08-template-sent');
});
