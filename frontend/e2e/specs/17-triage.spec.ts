import { expect, openConversation, row, test, uniqueName } from '../support/fixtures';

const HOUR = 3_600_000;

test('Response Needed puts the most urgent deadline on top, and a saved view brings the list back', async ({ inbox: page, api, shot }) => {
  // The order under test is the marketplace clock's. With the demo's internal office-hours targets,
  // two messages that both arrived outside office hours share one internal deadline (the next
  // opening plus the target), and their order would depend on the hour the suite runs.
  const restoreInternalTargets = await api.withoutInternalTargets();
  try {
    const store = await api.channel('walmart', uniqueName('Walmart triage'));
    // Walmart's clock is 48 h: one overdue, one due within the hour, one just in.
    const later = await api.pushBuyerMessage(store, { subject: 'Colour options', body: 'Is there a red one?', buyerName: 'Ana Later', sentAt: new Date(Date.now() - 60_000) });
    const overdue = await api.pushBuyerMessage(store, { subject: 'Where is it', body: 'Still waiting for my parcel.', buyerName: 'Olu Overdue', sentAt: new Date(Date.now() - 50 * HOUR) });
    const soon = await api.pushBuyerMessage(store, { subject: 'Size', body: 'Does it come in XL?', buyerName: 'Sia Soon', sentAt: new Date(Date.now() - 47 * HOUR) });

    await page.goto(`/inbox?view=response_needed&channel_id=${store}`);
    // The order is visible in the list header, not hidden in Filters.
    await expect(page.getByTestId('inbox-sort')).toHaveValue('deadline');
    await expect(page.getByTestId('filter-panel').getByTestId('inbox-sort')).toHaveCount(0);
    const rows = page.getByTestId('conversation-row');
    await expect(rows).toHaveCount(3, { timeout: 20_000 });
    const order = async () => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-conversation-id')));
    await expect.poll(order).toEqual([overdue.conversation_id, soon.conversation_id, later.conversation_id]);
    await expect(row(page, overdue.conversation_id).getByTestId('sla-countdown')).toHaveAttribute('data-tone', 'red');
    // The preview is the buyer's own words.
    await expect(row(page, soon.conversation_id)).toContainText('Does it come in XL?');

    const name = uniqueName('Walmart queue');
    await page.getByTestId('save-view').click();
    await page.getByTestId('save-view-name').fill(name);
    await page.getByTestId('save-view-submit').click();
    const saved = page.getByTestId('saved-view').filter({ hasText: name });
    await expect(saved).toHaveAttribute('aria-current', 'page');
    await shot('17-saved-view');

    // Elsewhere in the inbox, sorted another way...
    await page.getByTestId('view-all').click();
    await expect(page.getByTestId('inbox-sort')).toHaveValue('last_message');
    await expect(saved).not.toHaveAttribute('aria-current', 'page');
    // ...one click brings the saved list back, in its order.
    await saved.click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Response Needed');
    await expect(page.getByTestId('inbox-sort')).toHaveValue('deadline');
    await expect.poll(order).toEqual([overdue.conversation_id, soon.conversation_id, later.conversation_id]);

    // After a reload it is still there (it is stored, not kept in the page).
    await page.reload();
    await expect(page.getByTestId('saved-view').filter({ hasText: name })).toBeVisible();
  } finally {
    await restoreInternalTargets();
  }
});

test('“No response needed” asks for a reason, confirms a question, and can be undone', async ({ inbox: page, api, shot }) => {
  const store = await api.channel('walmart', uniqueName('Walmart presale'));
  const question = await api.pushBuyerMessage(store, { subject: 'Pre-sale', body: 'Does this fit a 2019 Camry?', buyerName: 'Kai Buyer', sentAt: new Date(Date.now() - HOUR) });
  await page.goto(`/inbox?view=response_needed&channel_id=${store}`);
  await expect(row(page, question.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, question.conversation_id);

  const message = page.locator(`[data-testid="message"][data-message-id="${question.id}"]`);
  await message.getByTestId('no-response-open').click();
  const dialog = message.getByTestId('no-response-dialog');
  await expect(dialog).toContainText('Stops the marketplace’s reply clock');
  await expect(dialog).toContainText('Leaves the message out of the response rate');
  const submit = dialog.getByTestId('no-response-submit');
  await expect(submit).toBeDisabled();
  await dialog.getByTestId('no-response-reason-answered_elsewhere').check();
  // The buyer asked a question: nothing stops until the agent confirms it.
  await expect(dialog.getByTestId('no-response-question')).toBeVisible();
  await expect(submit).toBeDisabled();
  await dialog.getByTestId('no-response-confirm').check();
  await shot('17-no-response-dialog');
  await submit.click();

  await expect(message.getByTestId('no-response-tag')).toContainText('Already answered elsewhere');
  await expect.poll(async () => (await api.conversation(question.conversation_id))['waiting_since']).toBeNull();
  await expect(row(page, question.conversation_id)).toHaveCount(0, { timeout: 20_000 });

  await message.getByTestId('no-response-undo').click();
  await expect(message.getByTestId('no-response-tag')).toHaveCount(0);
  await expect.poll(async () => (await api.conversation(question.conversation_id))['waiting_since']).not.toBeNull();
  await expect(row(page, question.conversation_id)).toBeVisible({ timeout: 20_000 });

  // The activity log says who did what, in words.
  const log = page.getByTestId('activity-log');
  await log.locator('summary').click();
  await expect(log).toContainText('marked a message as needing no response: Already answered elsewhere');
  await expect(log).toContainText('undid “no response needed”');
  await expect(log).not.toContainText('message.no_response');
});
