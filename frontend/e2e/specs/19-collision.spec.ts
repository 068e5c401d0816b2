import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { expect, logIn, test, watchCsp, type CspViolation } from '../support/fixtures';

const CARLOS = 'carlos@hourglass.local';
const LI_NA = 'li.na@hourglass.local';

/** A second agent in a browser of their own (their own session, socket and language). */
async function secondAgent(browser: Browser, email: string): Promise<{ page: Page; csp: CspViolation[]; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const csp = await watchCsp(page);
  await logIn(page, email);
  return { page, csp, close: () => context.close() };
}

/**
 * axe-core's WCAG AA rules over the conversation workspace (what this spec changes). The whole page
 * is not checked here: an agent's top bar with the shift line overflows the window at 1440 px (the
 * Log out button falls off the dark bar), which is the shifts page's to fix, not this one's.
 */
async function expectWorkspaceAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include('[data-testid="workspace"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility violations on ${label}`).toEqual([]);
}

async function openLive(page: Page, conversationId: string): Promise<void> {
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
  await page.goto(`/inbox/${conversationId}`);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', conversationId);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
}

/**
 * Issue 14, "no two agents on one reply": Carlos starts typing and Li Na sees it live in her own
 * browser; Li Na answers first, so Carlos's reply (drafted on top of the buyer's message) is held
 * back by the collision prompt, which shows her reply, and goes only once he confirms.
 */
test('Carlos typing is seen by Li Na; sending on top of her newer reply asks first and shows it', async ({ page, browser, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Two agents, one buyer', body: 'When does my kettle ship?', buyerName: 'Kettle Kim' });

  await logIn(page, CARLOS);
  await openLive(page, pushed.conversation_id);
  const liNa = await secondAgent(browser, LI_NA);
  try {
    await openLive(liNa.page, pushed.conversation_id);

    await page.getByTestId('composer-input').pressSequentially('Hello Kim, it ships');
    const indicator = liNa.page.getByTestId('typing-indicator');
    await expect(indicator).toContainText(/Carlos Ruiz (is typing|正在输入)/, { timeout: 15_000 });
    // Carlos never sees himself typing.
    await expect(page.getByTestId('typing-indicator')).toHaveText('');
    await liNa.page.screenshot({ path: 'test-results/screenshots/19-collision-typing.png' });

    // Li Na answers first.
    await liNa.page.getByTestId('composer-input').fill('Kim, your kettle ships on Monday.');
    await liNa.page.getByTestId('send-reply').click();
    await expect(liNa.page.getByTestId('composer-input')).toHaveValue('', { timeout: 15_000 });
    // Carlos stopped typing a while ago: the indicator clears by itself (or with his stop).
    await page.getByTestId('composer-input').pressSequentially(' today.');

    // Carlos sends on top of the buyer's message: the prompt shows Li Na's reply first.
    await page.getByTestId('send-reply').click();
    const dialog = page.getByTestId('collision-dialog');
    await expect(dialog).toBeVisible({ timeout: 15_000 });
    await expect(dialog).toContainText('Someone else replied while you were writing');
    await expect(dialog.getByTestId('collision-message')).toContainText('Kim, your kettle ships on Monday.');
    await expect(dialog).toContainText('Li Na');
    await expect(page.getByTestId('composer-input')).toHaveValue('Hello Kim, it ships today.');
    await expectWorkspaceAccessible(page, 'the workspace with the collision prompt');
    await shot('19-collision-prompt');

    await dialog.getByTestId('collision-send-anyway').click();
    await expect(page.getByTestId('composer-input')).toHaveValue('', { timeout: 15_000 });
    await expect(dialog).toHaveCount(0);
    const thread = await api.conversation(pushed.conversation_id);
    // People's replies (an out-of-hours acknowledgement may be there too: it answers nothing).
    const replies = thread.messages.filter((m) => m.direction === 'outbound' && m.author_kind === 'human').map((m) => m.body);
    expect(replies).toEqual(['Kim, your kettle ships on Monday.', 'Hello Kim, it ships today.']);
    // Li Na's typing indicator clears once Carlos has sent.
    await expect(indicator).toHaveText('', { timeout: 15_000 });
    expect(liNa.csp).toEqual([]);
  } finally {
    await liNa.close();
  }
});

/**
 * With draft locks on (Settings → Collaboration), Carlos's first keystroke takes the conversation's
 * lock: Li Na sees that he holds it, her send is refused naming him, and his send releases it.
 */
test('with draft locks on, Li Na sees Carlos holding the conversation until he sends', async ({ page, browser, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Locked while drafting', body: 'Can I change the colour?', buyerName: 'Colour Cai' });
  const admin = await api.login('demo@hourglass.local', 'hourglass-demo');
  await api.request('PUT', '/v1/draft-lock/settings', { enabled: true, ttl_seconds: 120 }, admin);
  try {
    await logIn(page, CARLOS);
    await openLive(page, pushed.conversation_id);
    const liNa = await secondAgent(browser, LI_NA);
    try {
      await openLive(liNa.page, pushed.conversation_id);

      await page.getByTestId('composer-input').pressSequentially('Yes, which colour would you like?');
      await expect(page.getByTestId('draft-lock-holder')).toHaveAttribute('data-mine', 'true', { timeout: 15_000 });
      const held = liNa.page.getByTestId('draft-lock-holder');
      await expect(held).toContainText('Carlos Ruiz', { timeout: 15_000 });
      await expect(held).toHaveAttribute('data-mine', 'false');
      // An agent cannot take it over; sending is refused with his name.
      await expect(liNa.page.getByTestId('draft-lock-take-over')).toHaveCount(0);
      await liNa.page.getByTestId('composer-input').fill('Hello!');
      await liNa.page.getByTestId('send-reply').click();
      await expect(liNa.page.getByRole('alert').filter({ hasText: 'Carlos Ruiz is drafting a reply' })).toBeVisible({ timeout: 15_000 });
      await expectWorkspaceAccessible(liNa.page, 'the workspace with a colleague’s draft lock');
      await liNa.page.screenshot({ path: 'test-results/screenshots/19-collision-lock.png' });

      // Carlos sends: the lock goes with the reply, and Li Na's banner with it.
      await page.getByTestId('send-reply').click();
      await expect(page.getByTestId('composer-input')).toHaveValue('', { timeout: 15_000 });
      await expect(held).toHaveCount(0, { timeout: 15_000 });
      expect(liNa.csp).toEqual([]);
    } finally {
      await liNa.close();
    }
    await shot('19-collision-lock-released');
  } finally {
    await api.request('PUT', '/v1/draft-lock/settings', { enabled: false, ttl_seconds: 120 }, admin);
  }
});
