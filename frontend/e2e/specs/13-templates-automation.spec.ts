import { expect, test, uniqueName } from '../support/fixtures';

/**
 * Settings through the UI only: a template with variables (live preview, the server's refusal of
 * an unknown variable shown under the text), then an auto-reply rule that sends it and labels the
 * conversation; a buyer message with the keyword makes it fire, as the run log shows.
 */
test('create a template and an auto-reply rule in settings; the rule fires on a matching message', async ({ inbox: page, api, shot }) => {
  const templateName = uniqueName('E2E shipping answer');
  const keyword = uniqueName('refundxyz').toLowerCase().replace(/[^a-z0-9]/g, '');

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-templates').click();
  await page.getByTestId('new-template').click();
  const editor = page.getByTestId('template-editor');
  await editor.getByTestId('template-name').fill(templateName);
  await editor.getByTestId('template-category').fill('shipping');
  const body = editor.getByTestId('template-body');
  await body.fill('Hi {{ customer_name or "there" }}, order {{ order_id }} ships today: {{ tracking_link }}\n\n');
  // The editor knows the variables: an unknown one is flagged while typing…
  await expect(editor.getByTestId('unknown-variables')).toContainText('{{ tracking_link }}');
  // …and the live preview fills the known ones with sample values.
  await expect(editor.getByTestId('preview-text')).toContainText('Hi Alex Chen, order 111-2223334-5556667 ships today');
  // The server refuses it too; its reason shows under the text.
  await editor.getByTestId('template-save').click();
  await expect(editor.locator('.ffield.has-error .ffield__error')).toContainText(/tracking_link/);

  await body.fill('Hi {{ customer_name or "there" }}, order {{ order_id }} ships today.\n\n');
  await editor.getByTestId('template-variables').getByRole('button', { name: /agent_name/ }).click();
  await expect(editor.getByTestId('unknown-variables')).toHaveCount(0);
  await expect(editor.getByTestId('preview-text')).toContainText('Demo Admin');
  await editor.getByTestId('template-save').click();
  await expect(editor.getByTestId('template-saved')).toBeVisible();
  await expect(page.getByTestId('template-list')).toContainText(templateName);
  await shot('13-template-editor');

  // An auto-reply rule: keyword → send the template, label the conversation.
  await page.getByTestId('settings-nav-auto-replies').click();
  await page.getByTestId('new-auto-reply').click();
  const dialog = page.getByTestId('auto-reply-dialog');
  await dialog.getByTestId('rule-name').fill(uniqueName('E2E refund auto-reply'));
  // First in line: the demo's own rules (a holiday notice stops later rules) must not decide this test.
  await dialog.getByTestId('rule-position').fill('1');
  await dialog.getByTestId('rule-keywords').getByRole('textbox').fill(keyword);
  await dialog.getByTestId('rule-keywords').getByRole('textbox').press('Enter');
  await dialog.getByRole('group', { name: 'Marketplace' }).getByRole('button', { name: 'ERP' }).click();
  await dialog.getByTestId('action-template').selectOption({ label: `${templateName} (en)` });
  await dialog.getByRole('button', { name: 'Add action' }).click();
  await dialog.getByTestId('action-row').nth(1).getByTestId('action-type').selectOption('add_label');
  await dialog.getByTestId('action-row').nth(1).getByRole('textbox').fill('auto-e2e');
  await shot('13-auto-reply-dialog');
  await dialog.getByTestId('rule-save').click();
  await expect(dialog).toHaveCount(0);
  const ruleRow = page.getByTestId('auto-reply-row').filter({ hasText: keyword });
  await expect(ruleRow).toContainText(`Send “${templateName}”`);

  // A buyer asks, with the keyword: the rule fires (the worker runs it) and the log says why.
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Refund please', body: `Hello, ${keyword} for my order please.`, buyerName: 'Auto Ava', orderId: '900-0000001-0000001' });
  // The demo's sandbox traffic fires its own rules meanwhile: look for this rule's run.
  const run = page.locator('[data-testid="run-row"][data-outcome="fired"]').filter({ hasText: keyword }).first();
  await expect(run).toBeVisible({ timeout: 30_000 });
  await expect(run).toContainText(keyword);
  await expect.poll(async () => (await api.conversation(pushed.conversation_id))['labels'], { timeout: 15_000 }).toContain('auto-e2e');
  await shot('13-auto-reply-fired');
});
