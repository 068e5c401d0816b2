import { devices } from '@playwright/test';
import { expectNoSeriousA11yViolations } from '../support/a11y';
import { expect, openConversation, row, test } from '../support/fixtures';

// A phone in Chromium's mobile emulation: Pixel 7's viewport (412 × 839), touch, device scale and
// user agent. The Debian Chromium from the config is kept (devices[] would only name the browser).
const { defaultBrowserType: _browser, ...pixel7 } = devices['Pixel 7'];
test.use(pixel7);

/** Nothing on the page is wider than the screen: no sideways scrolling of the whole page. */
async function expectNoHorizontalScroll(page: import('@playwright/test').Page): Promise<void> {
  const { scroll, viewport } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(scroll, 'document width').toBeLessThanOrEqual(viewport);
}

test('on a phone: the list, a conversation and its composer, the menu and the dashboard fit the screen', async ({ inbox: page, api, shot }) => {
  const viewport = page.viewportSize()!;
  expect(viewport.width).toBeLessThan(500);
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Phone: where is my order?', body: 'It has been a week, where is it?', buyerName: 'Phone Pia' });

  // The list fills the screen; the conversation pane is not squeezed beside it.
  await expect(row(page, pushed.conversation_id)).toBeVisible();
  await expect(page.getByTestId('workspace')).toHaveCount(0);
  await expectNoHorizontalScroll(page);
  const list = await page.getByTestId('conversation-list').boundingBox();
  expect(list!.width).toBeGreaterThan(viewport.width * 0.9);
  await shot('18-phone-list');

  // List → conversation: the conversation takes the whole width, the composer is usable.
  await openConversation(page, pushed.conversation_id);
  await expect(page.getByTestId('conversation-list')).toBeHidden();
  const composer = page.getByTestId('composer');
  await composer.scrollIntoViewIfNeeded();
  const box = await composer.locator('textarea').first().boundingBox();
  expect(box!.width, 'composer width').toBeGreaterThan(viewport.width * 0.75);
  await expect(page.getByTestId('send-reply')).toBeVisible();
  await expectNoHorizontalScroll(page);
  await shot('18-phone-conversation');

  // … and back to the list.
  await page.getByTestId('conversation-close').click();
  await expect(page).toHaveURL(/\/inbox(\?|$)/);
  await expect(page.getByTestId('conversation-list')).toBeVisible();

  // The header folds behind a menu button; nothing in it is cut off.
  await expect(page.getByTestId('nav-dashboard')).toBeHidden();
  const menu = page.getByTestId('nav-menu');
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('button', { name: '中文' })).toBeInViewport();
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('dashboard')).toBeVisible();
  await expect(page.getByTestId('nav-dashboard')).toBeHidden();
  await expect(page.getByTestId('kpi-overdue')).toBeVisible();
  await expectNoHorizontalScroll(page);
  await shot('18-phone-dashboard');

  // The other pages fit too, and pass the accessibility check at this width.
  for (const path of ['/settings/templates', '/customers', '/cases', '/knowledge']) {
    await page.goto(path);
    await expect(page.locator('.spinner')).toHaveCount(0);
    await expectNoHorizontalScroll(page);
  }
  await page.goto('/inbox');
  await expectNoSeriousA11yViolations(page, 'inbox at phone width');
});

test('the app is installable: a manifest with icons and a theme colour, served with the right types', async ({ page, request }) => {
  await page.goto('/login');
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', /^#/);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBe('/manifest.webmanifest');
  const response = await request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/manifest+json');
  const manifest = (await response.json()) as { name: string; display: string; start_url: string; icons: { src: string; sizes: string; purpose: string }[] };
  expect(manifest.display).toBe('standalone');
  for (const size of ['192x192', '512x512']) {
    expect(manifest.icons.some((i) => i.sizes === size && i.purpose === 'any')).toBe(true);
    expect(manifest.icons.some((i) => i.sizes === size && i.purpose === 'maskable')).toBe(true);
  }
  for (const icon of manifest.icons) {
    const file = await request.get(icon.src);
    expect(file.status(), icon.src).toBe(200);
    expect(file.headers()['content-type'], icon.src).toMatch(/^image\//);
  }
  // Chromium reads the manifest without complaint (what its install prompt uses).
  const cdp = await page.context().newCDPSession(page);
  const { errors } = (await cdp.send('Page.getAppManifest')) as { errors: { message: string }[] };
  expect(errors).toEqual([]);
});
