import { expect, test, uniqueName } from '../support/fixtures';

/**
 * Issue 14: a knowledge article is machine-translated (the demo's sandbox translator) into a draft
 * variant; the draft is marked as unreviewed until a person publishes it.
 */
test('knowledge article: machine-translate into a Chinese draft, review, publish', async ({ inbox: page, shot }) => {
  const word = uniqueName('sorry').replace(/\s+/g, '');
  await page.getByTestId('nav-knowledge').click();
  await expect(page.getByTestId('knowledge-page')).toBeVisible();
  await page.getByTestId('new-article').click();
  await page.getByTestId('article-title').fill('Thank you.');
  await page.getByTestId('article-body').fill('Hello, thank you for contacting us. We are sorry for the inconvenience.');
  await page.getByTestId('article-tags').fill(word);
  await page.getByTestId('article-save').click();
  await expect(page.getByTestId('article-status')).toHaveText('Draft');

  await page.getByTestId('add-language').selectOption('zh');
  await page.getByTestId('article-translate').click();
  await expect(page.getByTestId('variant-draft')).toBeVisible();
  await expect(page.getByTestId('article-title')).toHaveValue('谢谢。');
  await expect(page.getByTestId('article-body')).toHaveValue('您好，感谢您联系我们。很抱歉给您带来不便。');
  await shot('19-article-draft-variant');

  await page.getByTestId('publish-variant').click();
  await expect(page.getByTestId('variant-draft')).toHaveCount(0);
  await expect(page.getByTestId('article-body')).toHaveValue('您好，感谢您联系我们。很抱歉给您带来不便。');
});
