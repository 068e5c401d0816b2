/**
 * Amazon without IT: the mail relay with its guided form (Test connection names what failed), then
 * SP-API through Seller Central's consent page (the sandbox's, with Login with Amazon behind it);
 * and housekeeping: a template or a calendar is deleted only after a confirmation that says what uses it.
 * Each dialog passes axe-core (no serious or critical violation).
 */
import { expectNoSeriousA11yViolations } from '../support/a11y';
import { expect, test } from '../support/fixtures';

const sandboxUrl = () => {
  const url = process.env['E2E_SANDBOX_URL'];
  if (!url) throw new Error('E2E_SANDBOX_URL is not set: the e2e global setup did not start the sandbox');
  return url;
};

interface SandboxStore {
  id: string;
  name: string;
  credentials: Record<string, string>;
  endpoints: { imap: { host: string; port: number; security: string }; smtp: { host: string; port: number; security: string } };
}

test('amazon: relay form, a named test failure, then Seller Central consent for SP-API', async ({ inbox: page, api, request, shot }) => {
  const created = await request.post(`${sandboxUrl()}/_sandbox/stores`, { data: { marketplace: 'amazon', name: 'BrightNest Amazon EU' } });
  expect(created.ok()).toBe(true);
  const store = (await created.json()) as SandboxStore;
  const { imap, smtp } = store.endpoints;

  await page.goto('/settings/channels');
  await page.getByTestId('connect-channel').click();
  await page.getByTestId('connect-choose-amazon').click();
  await expect(page.getByTestId('connect-step-authorize')).toContainText('Fill in the details');
  await page.getByTestId('channel-name').fill(store.name);
  await page.getByTestId('channel-settings.seller_email').fill(store.credentials['seller_email'] ?? '');
  await page.getByTestId('channel-settings.imap_host').fill(imap.host);
  await page.getByTestId('channel-settings.imap_security').selectOption(imap.security);
  await page.getByTestId('channel-settings.imap_port').fill(String(imap.port));
  await page.getByTestId('channel-credentials.imap_username').fill(store.credentials['imap_username'] ?? '');
  await page.getByTestId('channel-credentials.imap_password').fill('not-the-password');
  await page.getByTestId('channel-settings.smtp_host').fill(smtp.host);
  await page.getByTestId('channel-settings.smtp_security').selectOption(smtp.security);
  await page.getByTestId('channel-settings.smtp_port').fill(String(smtp.port));
  await page.getByTestId('channel-credentials.smtp_username').fill(store.credentials['smtp_username'] ?? '');
  await page.getByTestId('channel-credentials.smtp_password').fill(store.credentials['smtp_password'] ?? '');

  // Test connection: each part on its own; the wrong IMAP password is named, SMTP passes.
  await page.getByTestId('connect-test').click();
  const checks = page.getByTestId('connection-checks');
  await expect(checks).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('check-imap')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('check-imap')).toContainText('rejected the user name or password');
  await expect(page.getByTestId('check-smtp')).toHaveAttribute('data-ok', 'true');
  await shot('20-amazon-test-failed');
  await expectNoSeriousA11yViolations(page, 'connect amazon: test connection');

  await page.getByTestId('channel-credentials.imap_password').fill(store.credentials['imap_password'] ?? '');
  await page.getByTestId('connect-test').click();
  await expect(checks).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('connect-submit').click();

  // The relay is connected; SP-API next, through Seller Central's consent page.
  await expect(page.getByTestId('connect-relay-done')).toContainText(store.name);
  await expect(page.getByTestId('connect-authorize')).toHaveText('Continue to Amazon');
  await page.getByTestId('connect-authorize').click();
  await page.waitForURL((url) => url.toString().startsWith(`${sandboxUrl()}/apps/authorize/consent`));
  await expect(page.getByTestId('consent-seller')).toBeVisible();
  await shot('20-seller-central-consent');
  await page.getByTestId('consent-allow').click();

  await page.waitForURL(/\/settings\/channels\?connect=amazon/);
  await expect(page.getByTestId('connect-done')).toContainText(`Connected: ${store.name}`);
  const channelId = new URL(page.url()).searchParams.get('channel');
  expect(channelId).toBeTruthy();
  const channel = await api.request<{ marketplace: string; has_credentials: boolean; settings: Record<string, unknown> }>('GET', `/v1/channels/${channelId}`);
  expect(channel.marketplace).toBe('amazon');
  expect(channel.settings['selling_partner_id']).toBeTruthy();
  await page.getByTestId('connect-finish').click();
  const row = page.locator(`[data-testid="channel-row"][data-channel-id="${channelId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('authorize-sp-api')).toHaveCount(0);
});

test('a template is deleted after a confirmation; one a rule sends cannot be', async ({ inbox: page, api }) => {
  const stamp = Date.now();
  const used = await api.request<{ id: string; name: string }>('POST', '/v1/templates', {
    name: `Used ${stamp}`,
    category: 'shipping',
    language: 'en',
    body: 'Your parcel ships today.',
  });
  const rule = await api.request<{ id: string; name: string }>('POST', '/v1/automation/rules', {
    name: `Sends used ${stamp}`,
    position: 99,
    is_active: false,
    actions: [{ type: 'send_template', template_id: used.id }],
  });
  const spare = await api.request<{ id: string; name: string }>('POST', '/v1/templates', {
    name: `Spare ${stamp}`,
    category: 'shipping',
    language: 'en',
    body: 'Thanks for waiting.',
  });

  await page.goto('/settings/templates');
  await page.getByTestId('template-item').filter({ hasText: used.name }).click();
  await page.getByTestId('delete-template').click();
  const dialog = page.getByTestId('confirm-delete');
  await expect(dialog.getByTestId('confirm-delete-user')).toHaveText(`Auto-reply rule “${rule.name}”`);
  await expect(dialog.getByTestId('confirm-delete-button')).toBeDisabled();
  await expectNoSeriousA11yViolations(page, 'delete template: in use');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  await page.getByTestId('template-item').filter({ hasText: spare.name }).click();
  await page.getByTestId('delete-template').click();
  await expect(dialog.getByTestId('confirm-delete-free')).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'delete template: confirmation');
  await dialog.getByTestId('confirm-delete-button').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('template-item').filter({ hasText: spare.name })).toHaveCount(0);
  await expect(page.getByTestId('template-item').filter({ hasText: used.name })).toHaveCount(1);
});

test.describe('at phone width (390 px)', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

  test('the connect form, its test results and a delete confirmation fit the screen', async ({ inbox: page, api, shot }) => {
    const fits = async () => {
      const { scroll, viewport } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
      expect(scroll, 'document width').toBeLessThanOrEqual(viewport);
    };
    await page.goto('/settings/channels');
    await page.getByTestId('connect-channel').click();
    await page.getByTestId('connect-choose-amazon').click();
    // Nothing typed yet: the test names the form itself as what to fix first.
    await page.getByTestId('connect-test').click();
    await expect(page.getByTestId('check-fields')).toContainText('Some fields are missing or malformed');
    await fits();
    await shot('20-phone-connect-test');
    await expectNoSeriousA11yViolations(page, 'phone: connect amazon');
    await page.keyboard.press('Escape');

    const spare = await api.request<{ id: string; name: string }>('POST', '/v1/templates', {
      name: `Phone spare ${Date.now()}`,
      category: 'shipping',
      language: 'en',
      body: 'Thanks for waiting.',
    });
    await page.goto('/settings/templates');
    await page.getByTestId('template-item').filter({ hasText: spare.name }).click();
    await page.getByTestId('delete-template').click();
    await expect(page.getByTestId('confirm-delete-free')).toBeVisible();
    await fits();
    await page.getByTestId('confirm-delete-button').click();
    await expect(page.getByTestId('template-item').filter({ hasText: spare.name })).toHaveCount(0);
  });
});

test('a calendar an SLA policy counts on cannot be deleted; a spare one is, after the confirmation', async ({ inbox: page, api }) => {
  const stamp = Date.now();
  const hours = { time_zone: 'Asia/Shanghai', intervals: { mon: ['09:00-18:00'], tue: ['09:00-18:00'] } };
  const used = await api.request<{ id: string; name: string }>('POST', '/v1/sla/calendars', { name: `Office ${stamp}`, ...hours });
  const policy = await api.request<{ id: string; name: string }>('POST', '/v1/sla/policies', {
    name: `Office SLA ${stamp}`,
    position: 90,
    is_active: false,
    first_response_seconds: 7200,
    calendar_id: used.id,
  });
  const spare = await api.request<{ id: string; name: string }>('POST', '/v1/sla/calendars', { name: `Spare ${stamp}`, ...hours });

  await page.goto('/settings/calendars');
  const row = (name: string) => page.getByTestId('calendar-row').filter({ hasText: name });
  await row(used.name).getByTestId('delete-calendar').click();
  const dialog = page.getByTestId('confirm-delete');
  await expect(dialog.getByTestId('confirm-delete-user')).toHaveText(`SLA policy “${policy.name}”`);
  await expect(dialog.getByTestId('confirm-delete-button')).toBeDisabled();
  await expectNoSeriousA11yViolations(page, 'delete calendar: in use');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  await row(spare.name).getByTestId('delete-calendar').click();
  await expect(dialog.getByTestId('confirm-delete-free')).toContainText('Running clocks keep the hours they started with');
  await dialog.getByTestId('confirm-delete-button').click();
  await expect(dialog).toHaveCount(0);
  await expect(row(spare.name)).toHaveCount(0);
  await expect(row(used.name)).toHaveCount(1);
});
