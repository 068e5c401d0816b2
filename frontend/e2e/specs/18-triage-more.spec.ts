import { expect, openConversation, row, test, uniqueName } from '../support/fixtures';

const HOUR = 3_600_000;

test('snooze warns of a deadline inside it, hides the conversation, and the buyer’s next message brings it back', async ({ inbox: page, api, shot }) => {
  const store = await api.channel('walmart', uniqueName('Walmart snooze'));
  const threadId = uniqueName('snooze-thread');
  // Walmart's clock is 48 h: this one falls due within the hour.
  const first = await api.pushBuyerMessage(store, { subject: 'Size', body: 'Does it come in XL?', buyerName: 'Sia Snooze', threadId, sentAt: new Date(Date.now() - 47 * HOUR) });
  await page.goto(`/inbox?view=response_needed&channel_id=${store}`);
  await expect(row(page, first.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, first.conversation_id);

  await page.getByTestId('snooze').click();
  const dialog = page.getByTestId('snooze-dialog');
  await dialog.getByTestId('snooze-tomorrow').check();
  // The marketplace clock keeps running: the menu says so before anything is hidden.
  await expect(dialog.getByTestId('snooze-warning')).toContainText('falls inside the snooze');
  await shot('18-snooze-warning');
  await dialog.getByTestId('snooze-confirm').click();
  await expect(page.getByTestId('snoozed-until')).toContainText('Snoozed until');
  await expect(row(page, first.conversation_id)).toHaveCount(0, { timeout: 20_000 });
  await expect.poll(async () => (await api.conversation(first.conversation_id))['snoozed']).toBe(true);

  // It is listed under Snoozed...
  await page.getByTestId('view-snoozed').click();
  await expect(row(page, first.conversation_id)).toBeVisible({ timeout: 20_000 });
  // ...until the buyer writes again.
  await api.pushBuyerMessage(store, { subject: 'Size', body: 'Any news about XL?', buyerName: 'Sia Snooze', threadId, sentAt: new Date(Date.now() - 60_000) });
  await expect.poll(async () => (await api.conversation(first.conversation_id))['snoozed']).toBe(false);
  await page.getByTestId('view-response_needed').click();
  await expect(row(page, first.conversation_id)).toBeVisible({ timeout: 20_000 });

});

test('snooze until the buyer writes, and unsnooze by hand', async ({ inbox: page, api }) => {
  const store = await api.channel('walmart', uniqueName('Walmart snooze 2'));
  const msg = await api.pushBuyerMessage(store, { subject: 'Colour', body: 'Is there a red one?', buyerName: 'Ana Wait', sentAt: new Date(Date.now() - 60_000) });
  await page.goto(`/inbox?view=response_needed&channel_id=${store}`);
  await expect(row(page, msg.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, msg.conversation_id);
  await page.getByTestId('snooze').click();
  const dialog = page.getByTestId('snooze-dialog');
  await dialog.getByTestId('snooze-reply').check();
  await expect(dialog.getByTestId('snooze-warning')).toContainText('keeps running');
  await dialog.getByTestId('snooze-confirm').click();
  await expect(page.getByTestId('snoozed-until')).toHaveText('Snoozed until the buyer writes');
  await expect(row(page, msg.conversation_id)).toHaveCount(0, { timeout: 20_000 });
  await page.getByTestId('unsnooze').click();
  await expect(page.getByTestId('snooze')).toBeVisible();
  await expect(row(page, msg.conversation_id)).toBeVisible({ timeout: 20_000 });
});

test('send and resolve, and “assign to me on reply”', async ({ inbox: page, api, shot }) => {
  const store = await api.channel('walmart', uniqueName('Walmart reply'));
  const one = await api.pushBuyerMessage(store, { subject: 'Tracking', body: 'Where is my parcel?', buyerName: 'Ike Resolve', sentAt: new Date(Date.now() - 60_000) });
  const two = await api.pushBuyerMessage(store, { subject: 'Invoice', body: 'Can I get an invoice?', buyerName: 'Uma Assign', sentAt: new Date(Date.now() - 120_000) });
  await page.goto(`/inbox?view=all&channel_id=${store}`);
  await expect(row(page, one.conversation_id)).toBeVisible({ timeout: 20_000 });

  await openConversation(page, one.conversation_id);
  await page.getByTestId('composer-input').fill('It left our warehouse today.');
  await page.getByTestId('send-resolve').click();
  await expect(page.getByTestId('status-select')).toHaveValue('resolved', { timeout: 20_000 });
  await expect.poll(async () => (await api.conversation(one.conversation_id))['status']).toBe('resolved');
  // Resolved already: the composer offers a plain send only.
  await expect(page.getByTestId('send-resolve')).toHaveCount(0);

  await openConversation(page, two.conversation_id);
  const pref = page.getByTestId('assign-on-reply');
  await expect(pref).not.toBeChecked();
  await pref.click();
  await expect(pref).toBeChecked();
  try {
    await shot('18-send-and-resolve');
    await page.getByTestId('composer-input').fill('Yes, it is attached to your order page.');
    await page.getByTestId('send-reply').click();
    await expect.poll(async () => (await api.conversation(two.conversation_id))['assignee_id']).not.toBeNull();
    await expect(page.getByTestId('assignee-select')).not.toHaveValue('');
  } finally {
    await pref.click();
    await expect(pref).not.toBeChecked();
  }
});
