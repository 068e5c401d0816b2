import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expectNoSeriousA11yViolations, seriousA11yViolations } from '../support/a11y';
import { FRONTEND_DIR } from '../support/backend';
import { expect, logIn, test } from '../support/fixtures';

/**
 * Every page of the SPA, read from the router (and the settings sections from the settings route),
 * so a page added later is checked without editing this spec.
 */
function routes(): string[] {
  const router = readFileSync(path.join(FRONTEND_DIR, 'src/app/router.tsx'), 'utf8');
  const settings = readFileSync(path.join(FRONTEND_DIR, 'src/app/routes/settings.tsx'), 'utf8');
  const paths = [...router.matchAll(/path: '([^']+)'/g)].map((m) => m[1]!);
  const sectionBlock = settings.slice(settings.indexOf('const SECTIONS'), settings.indexOf('];', settings.indexOf('const SECTIONS')));
  const sections = [...sectionBlock.matchAll(/key: '([^']+)'/g)].map((m) => m[1]!);
  return paths.flatMap((p) => {
    if (p === 'settings/:section') return sections.map((s) => `/settings/${s}`);
    if (p === '*') return ['/no-such-page'];
    return [p.startsWith('/') ? p : `/${p}`];
  });
}

async function settle(page: Page): Promise<void> {
  // The realtime connection keeps the network busy, so "idle" means: no spinner left, and a moment
  // for the data to render.
  await expect(page.locator('.spinner')).toHaveCount(0, { timeout: 15_000 });
  await page.waitForTimeout(300);
  await expect(page.locator('.spinner')).toHaveCount(0, { timeout: 15_000 });
}

for (const lang of ['en', 'zh-CN'] as const) {
  test(`every page passes axe-core (WCAG 2.2 AA, no serious or critical violation) in ${lang}`, async ({ page, api }) => {
    test.setTimeout(240_000);
    const erp = await api.channel('api', 'ERP feed');
    const pushed = await api.pushBuyerMessage(erp, { subject: 'A11y check', body: 'Where is my parcel?', buyerName: 'A11y Buyer' });
    const customers = await api.request<{ items: { id: string }[] }>('GET', '/v1/customers?limit=1');
    const params: Record<string, string> = { ':conversationId': pushed.conversation_id, ':customerId': customers.items[0]?.id ?? '' };

    const all = routes();
    expect(all).toContain('/login');
    expect(all.length).toBeGreaterThan(10);
    await page.addInitScript((l) => localStorage.setItem('hourglass.lang', l), lang);
    await page.goto('/login');
    await settle(page);
    await expectNoSeriousA11yViolations(page, `/login (${lang})`);
    await logIn(page);
    if (lang === 'zh-CN') await page.getByRole('button', { name: '中文' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', lang);

    const failures: string[] = [];
    for (const route of all.filter((r) => r !== '/login')) {
      const url = route.replace(/:\w+/g, (p) => params[p] ?? p);
      await page.goto(url);
      await settle(page);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      // Every page is checked before failing, so one run lists all that is left to fix.
      for (const violation of await seriousA11yViolations(page)) failures.push(`${url} (${lang}): ${violation}`);
    }
    expect(failures, 'serious or critical accessibility violations').toEqual([]);
  });
}

test('the inbox works from the keyboard alone: Tab reaches a row, Enter opens it, Esc closes it', async ({ inbox: page, api }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Keyboard only', body: 'Can you hear me?', buyerName: 'Kay Board' });
  const link = page.locator(`[data-testid="conversation-row"][data-conversation-id="${pushed.conversation_id}"] [data-testid="row-open"]`);
  await expect(link).toBeVisible();
  // Tab from the row's checkbox lands on the row's link, which shows a visible focus ring.
  await page.locator(`[data-testid="conversation-row"][data-conversation-id="${pushed.conversation_id}"] [data-testid="row-check"]`).focus();
  await page.keyboard.press('Tab');
  await expect(link).toBeFocused();
  const ring = await link.evaluate((el) => getComputedStyle(el.closest('[data-testid="conversation-row"]')!).outlineStyle);
  expect(ring).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);
  await expect(page).toHaveURL(new RegExp(`/inbox/${pushed.conversation_id}`));
  await page.locator('body').click({ position: { x: 1, y: 1 } }).catch(() => undefined);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('workspace')).toHaveCount(0);
  await expect(page).toHaveURL(/\/inbox(\?|$)/);
});
