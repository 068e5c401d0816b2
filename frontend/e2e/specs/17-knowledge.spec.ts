import { expect, openConversation, row, test, uniqueName } from '../support/fixtures';

/**
 * Issue 12 end to end: an article written and published in the Knowledge page is suggested in a
 * conversation (insert fills the composer); the public help page (no login, its own strict CSP)
 * answers a buyer's question before it becomes a conversation, the dashboard counts it, and a
 * question still sent becomes a conversation.
 */
test('knowledge base: publish, suggested in the composer, help page deflects and sends', async ({ inbox: page, api, shot }) => {
  const word = uniqueName('giftwrap').replace(/\s+/g, '');

  // 1. Write and publish an article.
  await page.getByTestId('nav-knowledge').click();
  await expect(page.getByTestId('knowledge-page')).toBeVisible();
  await page.getByTestId('new-article').click();
  await page.getByTestId('article-title').fill(`Gift wrapping ${word}`);
  await page.getByTestId('article-body').fill(`We offer **gift wrapping** at {{ store_name or "our store" }} for every order (${word}).`);
  await expect(page.getByTestId('article-preview').locator('strong')).toHaveText('gift wrapping');
  await page.getByTestId('article-tags').fill('gift, wrapping');
  await page.getByTestId('article-save').click();
  await expect(page.getByTestId('article-status')).toHaveText('Draft');
  await page.getByTestId('publish-article').click();
  await expect(page.getByTestId('article-status')).toHaveText('Published');
  await page.getByTestId('knowledge-search').fill(word);
  await expect(page.getByTestId('article-item')).toHaveCount(1);
  await shot('17-knowledge-editor');

  // 2. A buyer asks about it: the article is suggested, and Insert fills the composer.
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Gift wrapping?', body: `Hi, do you offer gift wrapping? ${word}`, buyerName: 'Gift Gina' });
  await page.getByTestId('nav-inbox').click();
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);
  const suggestion = page.getByTestId('suggestion').filter({ hasText: `Gift wrapping ${word}` });
  await expect(suggestion).toBeVisible();
  await expect(suggestion.getByTestId('suggestion-why')).toContainText('gift');
  await suggestion.getByTestId('insert-suggestion').click();
  await expect(page.getByTestId('composer-input')).toHaveValue(/We offer gift wrapping at ERP feed/);
  await shot('17-suggestion-inserted');

  // 3. The public help page answers a buyer (no login) and counts the deflection.
  const buyer = await page.context().browser()!.newPage();
  await buyer.goto(`/help/demo?q=${encodeURIComponent(word)}`);
  await buyer.getByRole('link', { name: `Gift wrapping ${word}` }).click();
  await expect(buyer.getByRole('heading', { name: `Gift wrapping ${word}` })).toBeVisible();
  await buyer.getByRole('button', { name: 'Yes, this answered my question' }).click();
  await expect(buyer.getByRole('status')).toContainText('glad this helped');

  // 4. A question still sent becomes a conversation, after the matches were shown first.
  const question = `Where is my package? It has not arrived ${word}`;
  await buyer.goto('/help/demo');
  await buyer.getByLabel('Your question').fill(question);
  await buyer.getByLabel('Your e-mail address (for our answer)').fill('helpbuyer@example.com');
  await buyer.getByRole('button', { name: 'Continue' }).click();
  await expect(buyer.getByRole('heading', { name: 'Before you send: do these answer your question?' })).toBeVisible();
  await expect(buyer.getByText('Where is my order? Tracking your package')).toBeVisible();
  await buyer.getByRole('button', { name: 'No, send my question' }).click();
  await expect(buyer.getByRole('status')).toContainText('Your question was sent');
  await buyer.close();
  const found = await api.request<{ items: { id: string }[] }>('GET', `/v1/conversations?q=${encodeURIComponent(word)}&channel_id=${erp}`);
  expect(found.items.length).toBeGreaterThanOrEqual(2); // the buyer's push and the help-page question

  await page.goto('/dashboard');
  await expect(page.getByTestId('deflection-answered')).not.toHaveText('0');
  await expect(page.getByTestId('deflection-row').filter({ hasText: `Gift wrapping ${word}` })).toBeVisible();
  await shot('17-dashboard-deflection');
});
