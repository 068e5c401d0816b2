import { expect, logIn, test, uniqueName } from '../support/fixtures';

declare global {
  interface Window {
    __notifications: { title: string; body: string; tag: string }[];
  }
}

/**
 * R4/R13: a breach on a conversation assigned to me reaches me while the tab is in the background,
 * as a system notification (the browser granted the permission) and in the bell. The SLA policy
 * that makes it breach within seconds is created through the settings UI: a 1-minute target for
 * one store, no escalation tiers.
 */
test('an SLA breach of my conversation: system notification in a background tab, the bell, mark read', async ({ page, context, api, shot }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['notifications']);
  await context.addInitScript(() => {
    window.__notifications = [];
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        window.__notifications.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
        super(title, options);
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Object.defineProperty(Recorded, 'requestPermission', { value: Real.requestPermission.bind(Real) });
    Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
    // As far as the page can tell, the agent is working in another tab.
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => 'hidden' });
  });

  const storeName = uniqueName('E2E breach feed');
  const channel = await api.channel('api', storeName);
  await logIn(page);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });

  // The bell says desktop alerts are on (the permission was granted).
  await page.getByTestId('notification-bell').click();
  await expect(page.getByTestId('desktop-alerts')).toHaveAttribute('data-permission', 'granted');
  await page.getByTestId('notification-bell').click();

  // A 1-minute policy for this store only, without tiers, through the settings UI.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-sla').click();
  await page.getByTestId('new-policy').click();
  const dialog = page.getByTestId('policy-dialog');
  await dialog.getByTestId('policy-name').fill(`1-minute test (${storeName})`);
  await dialog.getByTestId('cond-channels').getByRole('button', { name: storeName }).click();
  const first = dialog.getByTestId('policy-first');
  await first.getByRole('spinbutton').fill('1');
  await first.getByRole('combobox').selectOption('minutes');
  // The tier editor converts shares and hours: 50 % of a 1-minute clock is 0.01 h.
  await expect(dialog.getByTestId('tier-row').first().getByTestId('tier-hours')).toHaveValue('0.01');
  while ((await dialog.getByTestId('tier-row').count()) > 0) await dialog.getByTestId('tier-row').first().getByRole('button', { name: /Remove tier/ }).click();
  await expect(dialog.getByTestId('tier-editor')).toContainText('No escalation');
  await dialog.getByTestId('policy-save').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('policy-row').filter({ hasText: storeName })).toContainText('1 min');

  // A buyer message sent 50 s ago, assigned to me at once: its 1-minute clock breaches about 10 s later.
  const pushed = await api.pushBuyerMessage(channel, {
    subject: 'Breach me',
    body: 'Hello, anybody?',
    buyerName: 'Breach Bea',
    orderId: '950-0000001-0000001',
    sentAt: new Date(Date.now() - 50_000),
  });
  await api.updateConversation(pushed.conversation_id, { assignee_id: await api.userId('demo@hourglass.local') });
  const conversation = await api.conversation(pushed.conversation_id);
  expect(conversation['sla_deadline']).not.toBeNull();

  await expect
    .poll(() => page.evaluate(() => window.__notifications.map((n) => `${n.title} | ${n.body}`)), { timeout: 60_000 })
    .toContainEqual(expect.stringMatching(/^Overdue \| 950-0000001-0000001/));

  // The bell counts it; opening it shows it, and clicking it opens the conversation and marks it read.
  await expect(page.getByTestId('notification-count')).toBeVisible();
  await page.getByTestId('notification-bell').click();
  const item = page.getByTestId('notification-item').filter({ hasText: '950-0000001-0000001' }).first();
  await expect(item).toHaveAttribute('data-kind', 'sla.overdue');
  await expect(item).toContainText('Overdue');
  await shot('15-notification-bell');
  const unreadBefore = Number(await page.getByTestId('notification-bell').getAttribute('data-unread'));
  await item.click();
  await expect(page).toHaveURL(new RegExp(`/inbox/${pushed.conversation_id}`));
  await expect(page.getByTestId('notification-bell')).toHaveAttribute('data-unread', String(unreadBefore - 1));
});
