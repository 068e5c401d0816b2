import { expectNoSeriousA11yViolations } from '../support/a11y';
import { uniqueId } from '../support/api';
import { DEMO_EMAIL, DEMO_PASSWORD, expect, logIn, test } from '../support/fixtures';

// Retention with its one-year minimum, masking for supervisors, and a buyer's erasure on request.
// The demo organization is shared by every spec: its privacy settings are put back afterwards.
test.afterEach(async ({ api }) => {
  const admin = await api.login(DEMO_EMAIL, DEMO_PASSWORD);
  await api.request('PUT', '/v1/privacy/settings', { retention_days: null, masked_roles: [] }, admin);
});

test('set retention, a masked supervisor sees a masked email, erase the buyer', async ({ page, browser, api, baseURL, shot }) => {
  test.setTimeout(120_000);
  const email = `${uniqueId('privacy')}@example.com`;
  const channel = await api.channel('api', 'ERP (e2e privacy)');
  await api.request('POST', `/v1/channels/${channel}/messages`, {
    external_message_id: uniqueId('msg'),
    external_thread_id: uniqueId('thread'),
    buyer: { external_id: email, name: 'Priya Sharma', email },
    subject: 'Where is my parcel?',
    body: 'Please send it to 12 Rose Lane, Leeds',
    sent_at: new Date().toISOString(),
  });

  // The admin sets a retention period: under a year is refused with the minimum named.
  await logIn(page);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-privacy').click();
  await expect(page.getByTestId('retention-keep')).toBeChecked();
  await page.getByTestId('retention-limit').check();
  await page.getByTestId('retention-days').fill('200');
  await page.getByTestId('privacy-save').click();
  await expect(page.getByTestId('privacy-retention').getByRole('alert')).toContainText('at least 365 days');
  await page.getByTestId('retention-days').fill('400');
  await page.getByTestId('mask-supervisor').check();
  await page.getByTestId('privacy-save').click();
  await expect(page.getByTestId('privacy-saved')).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'settings/privacy');
  await shot('19-privacy-settings');
  const admin = await api.login(DEMO_EMAIL, DEMO_PASSWORD);
  const saved = await api.request<{ retention_days: number; masked_roles: string[] }>('GET', '/v1/privacy/settings', undefined, admin);
  expect(saved).toMatchObject({ retention_days: 400, masked_roles: ['supervisor'] });

  // The supervisor (masked) finds the buyer by their address but sees it masked.
  const context = await browser.newContext({ baseURL });
  const supervisor = await context.newPage();
  try {
    await logIn(supervisor, 'supervisor@hourglass.local', DEMO_PASSWORD);
    await supervisor.getByTestId('nav-customers').click();
    await supervisor.getByTestId('customer-search').fill(email);
    // The search is debounced: wait for the list to narrow to the one buyer before opening it.
    await expect(supervisor.getByTestId('customer-item')).toHaveCount(1, { timeout: 15_000 });
    await supervisor.getByTestId('customer-item').first().click();
    const identities = supervisor.getByTestId('customer-identities');
    await expect(identities).toContainText(`${email[0]}***@example.com`);
    await expect(identities).not.toContainText(email);
    await expect(supervisor.getByTestId('open-erase')).toHaveCount(0);
  } finally {
    await context.close();
  }

  // The admin erases the buyer: typed confirmation; the open marketplace thread needs "erase anyway".
  await page.getByTestId('nav-customers').click();
  await page.getByTestId('customer-search').fill(email);
  await expect(page.getByTestId('customer-item')).toHaveCount(1, { timeout: 15_000 });
  await page.getByTestId('customer-item').first().click();
  await expect(page.getByTestId('customer-identities')).toContainText(email);
  await page.getByTestId('open-erase').click();
  const dialog = page.getByTestId('erase-dialog');
  await expect(page.getByTestId('erase-confirm')).toBeDisabled();
  await page.getByTestId('erase-typed').fill('ERASE');
  await page.getByTestId('erase-confirm').click();
  await expect(page.getByTestId('erase-blocked')).toContainText('running marketplace reply clock');
  await page.getByTestId('erase-force').check();
  await expectNoSeriousA11yViolations(page, 'erase dialog');
  await shot('19-erase-dialog');
  await page.getByTestId('erase-confirm').click();
  await expect(dialog).toHaveCount(0);
  const profile = page.getByTestId('customer-profile');
  await expect(profile.locator('h1')).toContainText('[erased]');
  await expect(page.getByTestId('customer-identities')).not.toContainText(email);
  const found = await api.request<{ items: unknown[] }>('GET', `/v1/customers?q=${encodeURIComponent(email)}`, undefined, admin);
  expect(found.items).toHaveLength(0);
});
