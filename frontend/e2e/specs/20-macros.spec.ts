import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expectNoSeriousA11yViolations } from '../support/a11y';
import { expect, test, uniqueName } from '../support/fixtures';

/** axe-core's WCAG AA rules over the conversation workspace, where the picker and its preview live. */
async function expectWorkspaceAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include('[data-testid="workspace"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility violations on ${label}`).toEqual([]);
}

async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, viewport } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(scroll, 'document width').toBeLessThanOrEqual(viewport);
}

/**
 * Issue 16 item 2, "macros that set fields and reply in one action": a macro is built in Settings →
 * Macros, picked by keyboard in a conversation, its preview read (fields old → new, the reply as it
 * will go out), then applied: the fields change and the reply is sent, and the activity log says so.
 */
test('create a macro in settings, apply it from a conversation: fields change and the reply goes out', async ({ inbox: page, api, shot }) => {
  const name = uniqueName('Parcel on its way');
  const label = `m-${Date.now().toString(36)}`;
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Macro: where is my parcel?', body: 'Where is my parcel?', buyerName: 'Macro Mia' });

  // Settings → Macros: build it.
  await page.goto('/settings/macros');
  await expect(page.getByTestId('settings-macros')).toBeVisible();
  await page.getByTestId('macro-new').click();
  const form = page.getByTestId('macro-form');
  await form.getByTestId('macro-name').fill(name);
  await form.getByTestId('macro-priority').selectOption('urgent');
  await form.getByTestId('macro-status').selectOption('pending');
  await form.getByTestId('macro-add-labels').locator('input').fill(label);
  await form.getByTestId('macro-add-labels').locator('input').press('Enter');
  await form.getByTestId('macro-reply-mode').selectOption('text');
  await form.getByTestId('macro-reply-text-input').fill('Hello {{ customer_name }}, your parcel is on its way.');
  await expectNoSeriousA11yViolations(page, 'the macro form');
  await shot('20-macros-form');
  await form.getByTestId('macro-save').click();
  await expect(form).toHaveCount(0);
  const listed = page.getByTestId('macro-row').filter({ hasText: name });
  await expect(listed).toContainText(/priority Urgent/);
  await expectNoSeriousA11yViolations(page, 'Settings → Macros');

  // The conversation: pick it with the keyboard, read the preview.
  await page.goto(`/inbox/${pushed.conversation_id}`);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);
  const box = page.getByRole('combobox', { name: 'Apply a macro' });
  await box.click();
  await box.fill(name);
  await expect(page.getByRole('option', { name: new RegExp(name) })).toHaveAttribute('aria-selected', 'true');
  await box.press('Enter');
  const preview = page.getByTestId('macro-preview');
  await expect(preview.getByTestId('macro-changes')).toContainText('Priority: Normal → Urgent');
  await expect(preview.getByTestId('macro-changes')).toContainText(`Labels: none → ${label}`);
  await expect(preview.getByTestId('macro-reply-text')).toHaveText('Hello Macro Mia, your parcel is on its way.');
  await expectWorkspaceAccessible(page, 'the macro preview');
  await shot('20-macros-preview');

  await preview.getByTestId('macro-apply').click();
  await expect(page.getByTestId('macro-applied')).toContainText(name);
  await expect(page.getByTestId('workspace')).toContainText('Hello Macro Mia, your parcel is on its way.');
  const after = (await api.conversation(pushed.conversation_id)) as Record<string, unknown> & {
    messages: { direction: string; author_kind: string; body: string }[];
  };
  expect(after['priority']).toBe('urgent');
  expect(after['status']).toBe('pending');
  expect(after['labels']).toContain(label);
  expect(after['manual_fields']).toEqual(expect.arrayContaining(['priority', 'status', 'labels']));
  expect(after.messages.filter((m) => m.direction === 'outbound' && m.author_kind === 'human').map((m) => m.body)).toContain(
    'Hello Macro Mia, your parcel is on its way.',
  );
  // The activity log says who applied which macro.
  await page.getByTestId('activity-log').locator('summary').click();
  await expect(page.getByTestId('activity-log')).toContainText(`applied macro “${name}”`);

  // At phone width the picker and the settings page fit the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('combobox', { name: 'Apply a macro' })).toBeVisible();
  await expectNoHorizontalScroll(page);
  await shot('20-macros-phone-conversation');
  await page.goto('/settings/macros');
  await expect(page.getByTestId('macro-row').filter({ hasText: name })).toBeVisible();
  await expectNoHorizontalScroll(page);

  // Delete with a confirmation.
  const row = page.getByTestId('macro-row').filter({ hasText: name });
  await row.getByTestId('macro-delete').click();
  await expect(row.getByTestId('macro-delete')).toHaveText('Really delete?');
  await row.getByTestId('macro-delete').click();
  await expect(page.getByTestId('macro-row').filter({ hasText: name })).toHaveCount(0);
});
