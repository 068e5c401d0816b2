/**
 * Connecting a store without IT: each sandbox marketplace through its guided flow in the browser.
 * eBay, Shopee and TikTok Shop go through their consent pages (served by the sandbox with the real
 * redirect shapes): the seller presses Allow and comes back connected; Deny comes back in words.
 * Walmart is a guided form: defaults, help, field checks, why Connect is disabled, then a tested
 * connection to a new sandbox store's mailbox.
 */
import { expect, test } from '../support/fixtures';

const sandboxUrl = () => {
  const url = process.env['E2E_SANDBOX_URL'];
  if (!url) throw new Error('E2E_SANDBOX_URL is not set: the e2e global setup did not start the sandbox');
  return url;
};

const NAMES = { ebay: 'eBay', shopee: 'Shopee', tiktok: 'TikTok Shop' } as const;

for (const marketplace of ['ebay', 'shopee', 'tiktok'] as const) {
  test(`${marketplace}: sign in at the marketplace, press Allow, come back connected`, async ({ inbox: page, api, shot }) => {
    await page.goto('/settings/channels');
    await page.getByTestId('connect-channel').click();
    await expect(page.getByTestId('connect-step-choose')).toHaveAttribute('aria-current', 'step');
    await page.getByTestId(`connect-choose-${marketplace}`).click();
    await expect(page.getByTestId('connect-step-authorize')).toHaveAttribute('aria-current', 'step');
    await expect(page.getByTestId('connect-authorize')).toHaveText(`Continue to ${NAMES[marketplace]}`);
    await page.getByTestId('connect-authorize').click();

    // The marketplace's own consent page (the sandbox's), signed in as the store's seller.
    await page.waitForURL((url) => url.toString().startsWith(sandboxUrl()));
    await expect(page.getByTestId('consent-seller')).toBeVisible();
    await shot(`18-consent-${marketplace}`);
    await page.getByTestId('consent-allow').click();

    // Back in Hourglass: the callback exchanged the code, tested the tokens and saved the channel.
    await page.waitForURL(/\/settings\/channels\?connect=/);
    const done = page.getByTestId('connect-done');
    await expect(done).toContainText('Connected');
    await expect(page.getByTestId('connect-step-done')).toHaveAttribute('aria-current', 'step');
    const channelId = new URL(page.url()).searchParams.get('channel');
    expect(channelId).toBeTruthy();
    await page.getByTestId('connect-finish').click();
    await expect(page).toHaveURL(/\/settings\/channels$/);
    const channel = await api.request<{ marketplace: string; status: string; has_credentials: boolean }>('GET', `/v1/channels/${channelId}`);
    expect(channel).toMatchObject({ marketplace, status: 'active', has_credentials: true });
    await expect(page.locator(`[data-testid="channel-row"][data-channel-id="${channelId}"]`)).toBeVisible();
  });
}

test('pressing Deny at the marketplace comes back in plain words with a way to retry', async ({ inbox: page }) => {
  await page.goto('/settings/channels');
  await page.getByTestId('connect-channel').click();
  await page.getByTestId('connect-choose-tiktok').click();
  await page.getByTestId('connect-authorize').click();
  await page.waitForURL((url) => url.toString().startsWith(sandboxUrl()));
  await page.getByTestId('consent-deny').click();
  await page.waitForURL(/\/settings\/channels\?connect=tiktok/);
  await expect(page.getByTestId('connect-failed-reason')).toHaveText(
    'You pressed Deny at TikTok Shop, so nothing was connected. Try again and press Allow.',
  );
  await page.getByTestId('connect-retry').click();
  await expect(page.getByTestId('connect-authorize-step')).toBeVisible();
});

interface SandboxStore {
  id: string;
  name: string;
  credentials: Record<string, string>;
  endpoints: { imap: { host: string; port: number; security: string }; smtp: { host: string; port: number; security: string } };
}

test('walmart: a guided form with defaults, help, field checks and a tested connection', async ({ inbox: page, request, shot }) => {
  // A new Walmart store in the sandbox, with its own customer care mailbox.
  const created = await request.post(`${sandboxUrl()}/_sandbox/stores`, { data: { marketplace: 'walmart', name: 'BrightNest Walmart Outlet' } });
  expect(created.ok()).toBe(true);
  const store = (await created.json()) as SandboxStore;

  await page.goto('/settings/channels');
  await page.getByTestId('connect-channel').click();
  await page.getByTestId('connect-choose-walmart').click();
  await expect(page.getByTestId('connect-step-authorize')).toContainText('Fill in the details');
  // Sensible defaults and help saying where each value is found.
  await expect(page.getByTestId('channel-settings.imap_port')).toHaveValue('993');
  await expect(page.getByTestId('channel-settings.smtp_port')).toHaveValue('587');
  await expect(page.getByTestId('field-settings.seller_email')).toContainText('designated customer care email address');
  // Connect says why it is disabled.
  await expect(page.getByTestId('connect-submit')).toBeDisabled();
  await expect(page.getByTestId('connect-disabled-reason')).toContainText('Store name, Seller email address, IMAP host');
  // A malformed value is named at its field.
  await page.getByTestId('channel-settings.smtp_port').fill('70000');
  await page.getByTestId('channel-settings.smtp_port').blur();
  await expect(page.getByTestId('field-settings.smtp_port')).toContainText('from 1 to 65535');

  const { imap, smtp } = store.endpoints;
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
  await expect(page.getByTestId('connect-disabled-reason')).toHaveCount(0);
  await shot('18-walmart-form');

  // A wrong password: the test names what failed, in words, and nothing is saved.
  await page.getByTestId('connect-submit').click();
  await expect(page.getByTestId('connect-test-failed')).toContainText('Test connection failed');
  await expect(page.getByTestId('connect-test-failed')).toContainText(/login|password|credentials/i);

  await page.getByTestId('channel-credentials.imap_password').fill(store.credentials['imap_password'] ?? '');
  await page.getByTestId('connect-submit').click();
  await expect(page.getByTestId('connect-done')).toContainText(`Connected: ${store.name}`);
  await page.getByTestId('connect-finish').click();
  await expect(page.getByTestId('channel-row').filter({ hasText: store.name })).toBeVisible();
});
