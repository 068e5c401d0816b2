import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { DEMO_EMAIL, DEMO_PASSWORD, expect, logIn, test, uniqueName } from '../support/fixtures';
import { expectNoSeriousA11yViolations } from '../support/a11y';

const LI_NA = 'li.na@hourglass.local';
const CARLOS = 'carlos@hourglass.local';
const SUPERVISOR = 'supervisor@hourglass.local';
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** axe-core over one region of the page (the agents' top bar has a known overflow of its own, see 19-collision). */
async function expectRegionAccessible(page: Page, selector: string, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(selector).withTags(WCAG_AA).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `accessibility violations on ${label}`).toEqual([]);
}

async function live(page: Page): Promise<void> {
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
}

/** Issue 16 item 6: an agent is told, live, that a conversation was assigned to them, and by whom. */
test('an agent gets an assignment notification live, in the live region and the bell', async ({ page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Assign me', body: 'Is the blue one in stock?', buyerName: 'Notify Nora', orderId: '950-2000001-0000001' });
  await logIn(page, LI_NA);
  await live(page);
  const before = Number((await page.getByTestId('notification-bell').getAttribute('data-unread')) ?? '0');

  // The ERP (the demo API key) assigns it to Li Na.
  await api.updateConversation(pushed.conversation_id, { assignee_id: await api.userId(LI_NA) });

  // A toast inside the polite live region, naming the order and who assigned it (Li Na reads Chinese).
  const region = page.getByTestId('toast-region');
  await expect(region).toHaveAttribute('aria-live', 'polite');
  const toast = region.getByTestId('toast').filter({ hasText: /Assigned to you|已分配给你/ });
  await expect(toast).toContainText('950-2000001-0000001', { timeout: 15_000 });
  await expect(toast).toContainText(/Assigned by .*demo|由 demo .*分配/);
  // Other work on this shared backend (routing of other specs' messages) may notify this agent too:
  // the count grows by at least this one.
  const unread = async () => Number((await page.getByTestId('notification-bell').getAttribute('data-unread')) ?? '0');
  await expect.poll(unread, { timeout: 15_000 }).toBeGreaterThan(before);

  // The bell lists it; "Mark all read" (POST /v1/notifications/read-all) empties the count.
  await page.getByTestId('notification-bell').click();
  const item = page.getByTestId('notification-item').filter({ hasText: '950-2000001-0000001' });
  await expect(item).toHaveAttribute('data-kind', 'assigned');
  await shot('20-assignment-notification');
  await expectRegionAccessible(page, '[data-testid="notification-panel"]', 'the notification panel');
  const marked = await unread();
  await page.getByRole('button', { name: /Mark all read|全部标为已读/ }).click();
  await expect.poll(unread, { timeout: 15_000 }).toBeLessThan(marked);
  await item.click();
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);
});

/** Issue 16 item 6: every available agent at capacity and unassigned work over the threshold → supervisors are alerted. */
test('a supervisor sees the overflow banner while every available agent is at capacity', async ({ page, api, shot }) => {
  test.setTimeout(120_000);
  const admin = await api.login(DEMO_EMAIL, DEMO_PASSWORD);
  const users = await api.request<{ id: string; email: string; capacity: number }[]>('GET', '/v1/users', undefined, admin);
  const rostered = users.filter((u) => u.email === LI_NA || u.email === CARLOS);
  // An agent without a roster (always on shift), online, with no room at all.
  const email = `${uniqueName('overflow').replace(/\W+/g, '-')}@hourglass.local`;
  const password = 'Overflow-banner-zebra-2026!';
  await api.request('POST', '/v1/users', { email, name: 'Busy Bo', role: 'agent', password, capacity: 0 }, admin);
  const busy = await api.login(email, password);
  await api.request('PUT', '/v1/users/me/status', { status: 'online' }, busy);
  const erp = await api.channel('api', 'ERP feed');
  try {
    // The demo agents are at capacity too (whether or not their shift has them online now).
    for (const u of rostered) await api.request('PATCH', `/v1/users/${u.id}`, { capacity: 0 }, admin);
    await api.request('PUT', '/v1/notifications/overflow-settings', { enabled: true, threshold: 1, cooldown_minutes: 1 }, admin);
    for (const n of [1, 2]) await api.pushBuyerMessage(erp, { subject: `Piling up ${n}`, body: 'Anyone there?', buyerName: `Waiting Wu ${n}` });

    await logIn(page, SUPERVISOR);
    const banner = page.getByTestId('overflow-banner');
    await expect(banner).toBeVisible({ timeout: 30_000 });
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner).toContainText(/Overflow: unassigned work is piling up|积压告警/);
    await expect(banner).toContainText(/at capacity|满负荷/);
    await shot('20-overflow-banner');
    await expectRegionAccessible(page, '[data-testid="overflow-banner"]', 'the overflow banner');
    // The supervisor was notified once, in the bell.
    await page.getByTestId('notification-bell').click();
    await expect(page.getByTestId('notification-item').and(page.locator('[data-kind="overflow"]'))).toHaveCount(1);
    await page.getByTestId('notification-bell').click();
    // The banner's button opens the unassigned work.
    await banner.getByRole('button', { name: /Show unassigned|查看未分配/ }).click();
    await expect(page).toHaveURL(/view=response_needed/);

    // Turned off: the alert is cleared and the banner goes, live.
    await api.request('PUT', '/v1/notifications/overflow-settings', { enabled: false, threshold: 1, cooldown_minutes: 1 }, admin);
    await expect(banner).toHaveCount(0, { timeout: 30_000 });
  } finally {
    for (const u of rostered) await api.request('PATCH', `/v1/users/${u.id}`, { capacity: u.capacity }, admin);
    await api.request('PUT', '/v1/users/me/status', { status: 'offline' }, busy);
    await api.request('PUT', '/v1/notifications/overflow-settings', { enabled: true, threshold: 50, cooldown_minutes: 60 }, admin);
  }
});

/** Issue 16 item 7: offline is said as offline; a reply written offline is queued and sent once when back. */
test('offline shows Offline, a reply is queued and goes out once when back online', async ({ page, context, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Offline reply', body: 'Did you ship it yet?', buyerName: 'Offline Olga' });
  await logIn(page);
  await live(page);
  await page.goto(`/inbox/${pushed.conversation_id}`);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);
  await expect(page.getByTestId('connection-status')).toHaveText('Live');

  await context.setOffline(true);
  await expect(page.getByTestId('connection-status')).toHaveText('Offline');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-mode', 'offline');

  const text = `Yes Olga, it left our warehouse today (${Date.now().toString(36)}).`;
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('send-reply').click();
  const queued = page.getByTestId('queued-reply').filter({ hasText: text });
  await expect(queued).toContainText('Queued — will send when back online');
  await expect(page.getByTestId('composer-input')).toHaveValue('');
  // Kept in this browser for this user, so a reload would not lose it.
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('hourglass.outbox.')));
  expect(stored).toHaveLength(1);
  await shot('20-offline-queued');
  await expectRegionAccessible(page, '[data-testid="workspace"]', 'the workspace with a queued reply');

  await context.setOffline(false);
  await expect(queued).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toHaveText('Live', { timeout: 30_000 });
  // Sent exactly once.
  await expect
    .poll(async () => (await api.conversation(pushed.conversation_id)).messages.filter((m) => m.direction === 'outbound' && m.body === text).length, { timeout: 20_000 })
    .toBe(1);
  await expect(page.getByTestId('workspace')).toContainText(text);
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('hourglass.outbox.')))).toEqual([]);
  await expectNoSeriousA11yViolations(page, 'the inbox after going back online');
});
