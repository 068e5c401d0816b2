import { readFileSync } from 'node:fs';
import { expectNoSeriousA11yViolations } from '../support/a11y';
import { uniqueId } from '../support/api';
import { expect, test } from '../support/fixtures';

// Exports as background jobs: from the inbox with its current filters (a search), the worker writes
// the file, the button shows progress and then the download; the CSV opens in Excel (BOM) with formula
// cells escaped. Then the audit log shows the export in words, filters by area, and refuses a period
// over 366 days; the Exports page lists it. Each page passes axe and fits a 390 px phone.
test('export the inbox as CSV, download it, find it in the audit log and on the Exports page', async ({ inbox: page, api, shot }) => {
  test.setTimeout(120_000);
  const orderId = uniqueId('EXP').toUpperCase();
  const channel = await api.channel('api', 'ERP (e2e exports)');
  await api.pushBuyerMessage(channel, { subject: '=HYPERLINK("http://evil.example","商品破损")', body: '箱子压坏了，灯罩碎了。', orderId });

  await page.getByTestId('search').fill(orderId);
  await page.getByTestId('search').press('Enter');
  await expect(page.getByTestId('conversation-row')).toHaveCount(1);
  await page.getByTestId('inbox-export-start').click();
  const download = page.getByTestId('inbox-export-download');
  await expect(download).toBeVisible({ timeout: 60_000 });
  await expect(download).toContainText('1');
  await expectNoSeriousA11yViolations(page, 'inbox with an export');
  await shot('20-inbox-export');
  const file = page.waitForEvent('download');
  await download.click();
  const saved = await file;
  expect(saved.suggestedFilename()).toMatch(/^hourglass-conversations-.*\.csv$/);
  const raw = readFileSync((await saved.path())!);
  expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = raw.toString('utf8');
  // The search is the export's filter: one conversation, its formula subject escaped, Chinese intact.
  expect(text.trim().split('\r\n')).toHaveLength(2);
  expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""商品破损"")"`);
  expect(text).toContain(orderId);

  // The audit log: the export in words, the area filter, and the 366-day limit named.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-audit').click();
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ hasText: 'Downloaded an export' }).first()).toBeVisible();
  await page.getByTestId('audit-action').selectOption('export.');
  await expect(rows.first()).toHaveAttribute('data-action', /^export\./);
  for (const action of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))) expect(action).toMatch(/^export\./);
  await expectNoSeriousA11yViolations(page, 'settings/audit');
  await shot('20-audit-log');
  await page.getByTestId('audit-from').fill('2024-01-01');
  await page.getByTestId('audit-to').fill('2025-06-30');
  await expect(page.getByTestId('audit-range-error')).toContainText('366');
  await page.getByTestId('audit-from').fill('2025-01-01');
  await expect(page.getByTestId('audit-range-error')).toHaveCount(0);

  // The Exports page lists it, ready, with its download.
  await page.getByTestId('settings-nav-exports').click();
  const first = page.getByTestId('export-row').first();
  await expect(first).toHaveAttribute('data-status', 'done');
  await expect(first.getByTestId('export-download')).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'settings/exports');
  await shot('20-exports');

  // A phone: the Exports and audit pages fit 390 px.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const section of ['exports', 'audit']) {
    await page.goto(`/settings/${section}`);
    await expect(page.getByTestId(section === 'exports' ? 'exports-page' : 'audit-log')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `/settings/${section} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
  }
  await shot('20-exports-phone');
});
