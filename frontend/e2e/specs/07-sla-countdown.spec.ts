import type { Page, Route } from '@playwright/test';
import { expect, openConversation, row, test } from '../support/fixtures';

const HOUR = 3_600_000;
const countdownIn = (page: Page, conversationId: string) => row(page, conversationId).getByTestId('sla-countdown');

test.describe('SLA countdown', () => {
  test('from the server’s SLA fields: ticks every second, disappears once the reply is delivered', async ({ inbox: page, api, shot }) => {
    // The deadline comes from the server: a missing field is a failure, never a skip.
    expect(await api.hasSlaFields(), 'ConversationRead must document sla_deadline').toBe(true);
    const erp = await api.channel('api', 'ERP feed');
    // Received an hour ago on the ERP feed's 24 h clock; the demo's office-hours target may fall due
    // sooner. Either way the badge is green and shows the nearest deadline the server reports.
    const pushed = await api.pushBuyerMessage(erp, {
      subject: 'Countdown check',
      body: 'Is the blue one back in stock?',
      buyerName: 'Clock Watcher',
      orderId: '500-0000001-0000001',
      sentAt: new Date(Date.now() - HOUR),
    });
    // Received an hour ago, it sorts below the sandbox's fresh traffic: find it by its order id.
    await page.getByTestId('search').fill('500-0000001-0000001');
    const listed = await api.conversation(pushed.conversation_id);
    expect(listed['sla_deadline'], 'the pushed conversation must have a deadline (ERP channel on a 24 h clock)').toBeTruthy();
    const badge = countdownIn(page, pushed.conversation_id);
    await expect(badge).toBeVisible({ timeout: 20_000 });
    await expect(badge).toHaveAttribute('data-tone', 'green');
    const left = Date.parse(String(listed['sla_deadline'])) - Date.now();
    expect(left, 'the deadline is ahead').toBeGreaterThan(HOUR);
    // h:mm:ss, its hours those the server's deadline leaves (or one fewer, as the seconds tick).
    const hours = Math.floor(left / HOUR);
    const pad = (n: number) => String(n).padStart(2, '0');
    await expect(badge).toHaveText(new RegExp(`^(${pad(hours)}|${pad(Math.max(hours - 1, 0))}):\\d\\d:\\d\\d$`));
    const first = await badge.textContent();
    await expect(badge).not.toHaveText(first ?? '', { timeout: 3_000 });
    await shot('07-countdown-green');

    await openConversation(page, pushed.conversation_id);
    await page.getByTestId('composer-input').fill('Yes, it is back in stock and ships within a day.');
    await expect(page.getByTestId('lint-status')).toHaveText('Meets the marketplace’s rules');
    await page.getByTestId('composer-input').press('Control+Enter');
    const outbound = page.locator('[data-testid="message"][data-direction="outbound"][data-author="human"]');
    await expect(outbound).toHaveCount(1);
    const id = await outbound.getAttribute('data-message-id');
    // The ERP confirms delivery: only a delivered reply stops the clock (R3).
    await api.reportDelivery(id ?? '', 'sent');
    await expect(outbound.getByTestId('delivery-status')).toHaveAttribute('data-status', 'sent', { timeout: 20_000 });
    await expect(badge).toHaveCount(0, { timeout: 20_000 });
    await shot('07-countdown-gone');
  });

  test('turns red locally at the deadline, without waiting for the server', async ({ inbox: page, api, shot }) => {
    const erp = await api.channel('api', 'ERP feed');
    const pushed = await api.pushBuyerMessage(erp, {
      subject: 'Local deadline check',
      body: 'Please answer quickly.',
      buyerName: 'Deadline Dana',
      orderId: '500-0000002-0000002',
    });
    // The server's answer is pinned to "due soon, deadline in 6 s" for this conversation, so any
    // change to red can only come from the browser's own clock. The 6 s count from the first list
    // the page receives, not from before the reload: a slow reload must not use them up.
    let deadline: string | undefined;
    const pin = (item: Record<string, unknown>) => {
      if (item['id'] !== pushed.conversation_id) return item;
      deadline ??= new Date(Date.now() + 6_000).toISOString();
      return { ...item, sla_state: 'due_soon', sla_deadline: deadline, sla_due_soon_at: null };
    };
    const patchList = async (route: Route) => {
      try {
        const response = await route.fetch();
        const body = (await response.json()) as { items: Record<string, unknown>[] };
        await route.fulfill({ response, json: { ...body, items: body.items.map(pin) } });
      } catch {
        // The app cancelled the request (a reload, a newer refetch): nothing left to patch.
        await route.abort().catch(() => undefined);
      }
    };
    await page.route(/\/v1\/conversations(\?|$)/, patchList);
    await page.reload();

    const badge = countdownIn(page, pushed.conversation_id);
    await expect(badge).toHaveAttribute('data-tone', 'amber', { timeout: 20_000 });
    await expect(badge).toHaveText(/^00:00:0[0-6]$/);
    await shot('07-countdown-amber');
    await expect(badge).toHaveAttribute('data-tone', 'red', { timeout: 10_000 });
    await expect(badge).toHaveText(/^-00:00:0\d$/);
    await shot('07-countdown-red');
  });
});
