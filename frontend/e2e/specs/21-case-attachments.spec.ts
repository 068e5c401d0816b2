import { expect, logIn, test } from '../support/fixtures';

// A real (tiny) PNG: the server sniffs the type from these bytes, not from the name.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Issue 11 items 1 and 5: a case's files. An agent opens a return, uploads the buyer's photo to the
 * case from the case card, sees it as a thumbnail (the thread's attachment component), and unlinks
 * it again; the API shows the case's files with their download URL.
 */
test('upload a photo to a case, see its thumbnail, and unlink it', async ({ page, api, shot }) => {
  const walmart = await api.channel('walmart', 'Walmart returns');
  const pushed = await api.pushBuyerMessage(walmart, {
    subject: 'Broken mug',
    body: 'The mug arrived broken, photo follows.',
    buyerName: 'Case Casey',
  });

  await logIn(page);
  await page.goto(`/inbox/${pushed.conversation_id}`);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);

  const panel = page.getByTestId('case-panel');
  await panel.getByTestId('open-case').click();
  await expect(panel.getByTestId('case-with-images')).toBeChecked();
  await panel.getByTestId('case-open-reason').fill('Arrived broken');
  await panel.getByTestId('case-submit').click();
  const card = panel.getByTestId('case-card');
  await expect(card.getByTestId('case-attachments-none')).toBeVisible();

  await card.getByTestId('case-attach-input').setInputFiles([{ name: 'broken-mug.png', mimeType: 'image/png', buffer: PNG }]);
  const thumbnail = card.getByRole('img', { name: /broken-mug\.png/ });
  await expect(thumbnail).toBeVisible({ timeout: 15_000 });
  await expect(thumbnail).toHaveAttribute('src', /^blob:/);
  await shot('21-case-attachment');

  const cases = await api.request<{ items: { id: string; attachments: { filename: string; content_type: string; download_url: string }[] }[] }>(
    'GET',
    `/v1/cases?conversation_id=${pushed.conversation_id}`,
  );
  const [file] = cases.items[0]!.attachments;
  expect([file!.filename, file!.content_type]).toEqual(['broken-mug.png', 'image/png']);
  expect(file!.download_url).toMatch(/^\/v1\/attachments\/[0-9a-f-]{36}$/);

  await card.getByRole('button', { name: 'Remove broken-mug.png from the case' }).click();
  await expect(card.getByTestId('case-attachments-none')).toBeVisible();
});
