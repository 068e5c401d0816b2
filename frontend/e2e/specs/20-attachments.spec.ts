import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, logIn, test } from '../support/fixtures';

// A real (tiny) PNG: the server sniffs the type from these bytes, not from the name.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** axe-core's WCAG AA rules over the conversation workspace (what this spec changes). */
async function expectWorkspaceAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .include('[data-testid="workspace"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility violations on ${label}`).toEqual([]);
}

/**
 * Issue 11 item 5: an agent attaches a photo in the composer (shown as a chip, a second file is
 * removed again), sends, and the reply in the thread shows the image as a thumbnail with alt text.
 * On an ERP channel the reply's event lists the attachment for the ERP to send.
 */
test('attach a photo in the composer, send it, and see its preview in the thread', async ({ page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Label photo',
    body: 'Could you send me a photo of the shipping label?',
    buyerName: 'Photo Pat',
  });

  await logIn(page);
  await page.goto(`/inbox/${pushed.conversation_id}`);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);

  const input = page.getByTestId('attach-input');
  await input.setInputFiles([
    { name: 'label.png', mimeType: 'image/png', buffer: PNG },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Packed on Monday.\n') },
  ]);
  const chips = page.getByTestId('attach-chip');
  await expect(chips).toHaveCount(2, { timeout: 15_000 });
  await expect(page.getByTestId('attach-chips')).toContainText('label.png');
  await page.getByRole('button', { name: /Remove notes\.txt|移除 notes\.txt/ }).click();
  await expect(chips).toHaveCount(1);
  await expectWorkspaceAccessible(page, 'the composer with an attached file');

  await page.getByTestId('composer-input').fill('Here is the label, Pat.');
  await page.getByTestId('send-reply').click();
  await expect(page.getByTestId('composer-input')).toHaveValue('', { timeout: 15_000 });
  await expect(chips).toHaveCount(0);

  const reply = page.locator('[data-testid="message"][data-direction="outbound"]', { hasText: 'Here is the label, Pat.' });
  const thumbnail = reply.getByRole('img', { name: /label\.png/ });
  await expect(thumbnail).toBeVisible({ timeout: 15_000 });
  await expect(thumbnail).toHaveAttribute('src', /^blob:/);
  await expectWorkspaceAccessible(page, 'the thread with an image preview');
  await shot('20-attachments');

  const thread = await api.conversation(pushed.conversation_id);
  const sent = thread.messages.find((m) => m.body === 'Here is the label, Pat.') as unknown as {
    attachments: { filename: string; content_type: string; status: string }[];
  };
  expect(sent.attachments.map((a) => [a.filename, a.content_type, a.status])).toEqual([['label.png', 'image/png', 'stored']]);
});
