import { expect, openConversation, row, test, watchCsp } from '../support/fixtures';

/**
 * The built SPA under the Content-Security-Policy the API sends with it. Every spec already fails
 * on a violation (the `page` fixture); this one walks every part of the app on purpose — the live
 * socket, the workspace with an email iframe, the dashboard's Recharts chart, settings — and shows
 * that the watcher does see a violation when there is one.
 */
test('the SPA works under its CSP: live socket, workspace, dashboard chart, settings, no violation', async ({ inbox: page, api, shot }) => {
  const document = await page.request.get('/inbox');
  const csp = document.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  expect(document.headers()['x-frame-options']).toBe('DENY');
  expect(document.headers()['x-content-type-options']).toBe('nosniff');
  expect(document.headers()['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(document.headers()['cache-control']).toBe('no-cache');

  // The entry script, as the browser fetched it: gzip on the wire, kept for a year.
  const script = await page.locator('script[type="module"][src^="/assets/"]').getAttribute('src');
  expect(script).toBeTruthy();
  const asset = await page.request.get(script ?? '', { headers: { 'Accept-Encoding': 'gzip' } });
  expect(asset.headers()['content-encoding']).toBe('gzip');
  expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');

  // connect-src 'self' lets the WebSocket to the same origin through.
  await expect(page.getByTestId('connection-status')).toHaveText('Live', { timeout: 20_000 });

  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'CSP walk', body: 'Does it fit a 15 inch laptop?', buyerName: 'Policy Pat' });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);
  await page.getByTestId('composer-input').fill('Yes, it fits laptops up to 16 inches.');
  await expect(page.getByTestId('lint-status')).toHaveText('Meets the marketplace’s rules');
  await page.getByTestId('template-picker').click();
  await expect(page.getByTestId('template-search')).toBeVisible();
  await page.keyboard.press('Escape');

  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByTestId('dashboard')).toBeVisible();
  const chart = page.locator('[data-testid="rate-chart"] svg').first();
  await expect(chart).toBeVisible({ timeout: 15_000 });
  await chart.hover(); // Recharts' tooltip positions itself with inline styles

  await page.getByTestId('nav-settings').click();
  for (const section of ['templates', 'auto-replies', 'sla']) {
    await page.getByTestId(`settings-nav-${section}`).click();
    await expect(page.getByTestId(`settings-nav-${section}`)).toHaveAttribute('aria-current', 'page');
  }
  await page.reload();
  await expect(page.getByTestId('connection-status')).toHaveText('Live', { timeout: 20_000 });
  await shot('16-csp-settings');
  // The fixture checks, after this test, that nothing above was blocked.
});

test('the CSP watcher sees a blocked inline script (so a clean run means something)', async ({ context, baseURL }) => {
  const page = await context.newPage();
  const violations = await watchCsp(page);
  await page.goto(`${baseURL}/login`);
  await expect(page.getByLabel(/email|邮箱/i)).toBeVisible();
  const ran = await page.evaluate(() => {
    const w = window as unknown as { injected?: boolean };
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
    return Boolean(w.injected);
  });
  expect(ran, 'the inline script must not run').toBe(false);
  await expect.poll(() => violations.map((v) => v.directive)).toContain('script-src-elem');
  await page.close();
});
