import { expect, row, test } from '../support/fixtures';

test('j/k move through the list, Enter opens, / focuses search', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = [];
  for (const n of [1, 2, 3]) {
    pushed.push(
      await api.pushBuyerMessage(erp, {
        subject: `Keyboard check ${n}`,
        body: `Message number ${n}`,
        buyerName: `Key Buyer ${n}`,
        orderId: `400-000000${n}-0000000`,
      }),
    );
  }
  // Every pushed conversation must be listed before the order is read: a row arriving
  // later over the live feed would shift the list under the cursor.
  for (const p of pushed) {
    await expect(row(page, p.conversation_id)).toBeVisible({ timeout: 20_000 });
  }

  await page.keyboard.press('/');
  await expect(page.getByTestId('search')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('search')).not.toBeFocused();

  const focused = page.locator('[data-testid="conversation-row"][data-focused="true"]');
  const rows = page.getByTestId('conversation-row');
  const first = await rows.nth(0).getAttribute('data-conversation-id');
  const second = await rows.nth(1).getAttribute('data-conversation-id');
  // No cursor until the first key: j lands on the top row.
  await expect(focused).toHaveCount(0);
  await page.keyboard.press('j');
  await expect(focused).toHaveAttribute('data-conversation-id', first ?? '');
  await page.keyboard.press('j');
  await expect(focused).toHaveAttribute('data-conversation-id', second ?? '');
  await page.keyboard.press('k');
  await expect(focused).toHaveAttribute('data-conversation-id', first ?? '');
  await page.keyboard.press('ArrowDown');
  await expect(focused).toHaveAttribute('data-conversation-id', second ?? '');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', second ?? '');
  await expect(page).toHaveURL(new RegExp(`/inbox/${second}`));
  await shot('06-keyboard-open');
});
