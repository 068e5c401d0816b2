import { expect, test, uniqueName } from '../support/fixtures';

/**
 * Issue 12 item 4 end to end: buyers' questions pushed through an ERP channel appear in the Knowledge
 * section's top-questions report as one group with its count and examples (each linking to its
 * conversation); "Draft article" creates a draft in the knowledge base and opens it in the editor.
 */
test('top questions: grouped with counts and examples, a click drafts an article', async ({ inbox: page, api, shot }) => {
  const word = uniqueName('descaler').replace(/\s+/g, '');
  const erp = await api.channel('api', 'ERP feed');
  const asked = [
    `Does the ${word} kettle descale itself?`,
    `does the ${word} kettle descale itself`,
    `How do I descale the ${word} kettle?`,
    `Descale ${word} kettle how?`,
    `${word} kettle: how to descale it?`,
    `Can the ${word} kettle descale by itself??`,
    `Does the ${word} kettle descale itself? Order 1234567`,
    `Hi, does the ${word} kettle descale itself? Thanks`,
    `Does the ${word} kettle descale itself automatically?`,
    `How to descale the ${word} kettle please`,
    `descale the ${word} kettle?`,
    `Does your ${word} kettle descale itself?`,
  ];
  for (const [i, body] of asked.entries()) {
    await api.pushBuyerMessage(erp, { subject: 'Kettle', body, buyerName: `Kettle Kim ${i}` });
  }

  await page.getByTestId('nav-knowledge').click();
  await expect(page.getByTestId('top-questions')).toBeVisible();
  await page.getByTestId('top-questions-period').selectOption('7');
  await page.getByTestId('top-questions-marketplace').selectOption('api');
  const group = page.getByTestId('top-question').filter({ hasText: word });
  await expect(group).toHaveCount(1, { timeout: 20_000 });
  await expect(group.getByTestId('top-question-count')).toHaveText(`${asked.length} questions`);
  await group.locator('summary').click();
  await expect(group.getByTestId('top-question-example').first()).toHaveAttribute('href', /\/inbox\//);
  await shot('18-top-questions');

  await group.getByTestId('draft-article').click();
  await expect(group.getByTestId('draft-article')).toHaveText('Article drafted');
  await expect(page.getByTestId('article-status')).toHaveText('Draft');
  await expect(page.getByTestId('article-title')).toHaveValue(new RegExp(word));
  await group.getByTestId('draft-template').click();
  await expect(group.getByTestId('draft-template')).toHaveText('Template drafted (inactive)');
});
