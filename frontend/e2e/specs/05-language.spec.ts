import { expect, logIn, test } from '../support/fixtures';

test('switching to 中文 translates the whole UI and survives a reload', async ({ inbox: page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'When will it ship? 什么时候发货',
    body: '请问什么时候发货？I need it before Friday.',
    buyerName: '王小明',
    orderId: '300-1234567-7654321',
  });

  await page.getByRole('button', { name: '中文' }).click();
  await expect(page.getByTestId('view-all')).toContainText('全部');
  await expect(page.getByTestId('view-response_needed')).toContainText('待回复');
  await expect(page.getByTestId('view-failed')).toContainText('发送失败');
  await expect(page.getByRole('button', { name: '退出登录' })).toBeVisible();
  await expect(page.getByTestId('search')).toHaveAttribute('placeholder', /搜索订单号/);

  await page.locator(`[data-conversation-id="${pushed.conversation_id}"]`).first().click({ timeout: 20_000 });
  await expect(page.getByTestId('composer-input')).toHaveAttribute('placeholder', /输入回复内容/);
  await expect(page.getByTestId('send-reply')).toContainText('发送');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await shot('05-zh-workspace');

  await page.reload();
  await expect(page.getByTestId('view-all')).toContainText('全部');

  // Settings and the dashboard speak Chinese too.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-sla').click();
  await expect(page.getByRole('heading', { name: '时限与升级' })).toBeVisible();
  await expect(page.getByTestId('policy-row').first()).toContainText('平台规则');
  await shot('05-zh-settings-sla');
  await page.getByTestId('settings-nav-channels').click();
  await expect(page.getByTestId('sync-state').first()).toHaveText(/同步正常|通过 API 推送|等待首次同步|同步失败/);
  await shot('05-zh-settings-channels');
  await page.getByTestId('nav-dashboard').click();
  await expect(page.getByRole('heading', { name: '各平台回复率' })).toBeVisible();
  await page.getByTestId('nav-inbox').click();

  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByTestId('view-all')).toContainText('All');
});

test('an agent whose profile says zh-CN gets Chinese by default', async ({ page, shot }) => {
  await logIn(page, 'li.na@hourglass.local', 'hourglass-demo');
  await expect(page.getByTestId('view-unread')).toContainText('未读');
  await expect(page.getByTestId('current-user')).toHaveText('Li Na');
  await shot('05-zh-default-li-na');
});

/** Words a zh-CN reader may see in Latin letters: brands, marketplaces and what the test itself typed. */
const LATIN_ALLOWED = /\b(Walmart|Amazon|eBay|Shopee|TikTok|Shop|ERP|BBB|FAQ|Hourglass|zh-e2e-[\w-]+)\b/g;
const englishLeft = (text: string) => text.replace(LATIN_ALLOWED, '').match(/[A-Za-z]{3,}/g) ?? [];

test('what the server explains reads in Chinese: the clock’s policy and why, the auto-reply log, built-in policies', async ({ inbox: page, api, shot }) => {
  const label = `zh-e2e-${Date.now().toString(36)}`;
  await api.request('POST', '/v1/automation/rules', {
    name: label,
    position: 0,
    conditions: { keywords: ['发货'] },
    actions: [{ type: 'add_label', label }],
    quiet_after_agent_minutes: 0,
  });
  const erp = await api.channel('api', 'ERP feed');
  const first = await api.pushBuyerMessage(erp, { subject: '发货', body: '请问什么时候发货？', buyerName: '张伟', threadId: label });
  // The same thread again: the rule's cooldown holds it back, which the log explains.
  await api.pushBuyerMessage(erp, { subject: '发货', body: '还没发货吗？', buyerName: '张伟', threadId: label });

  await page.getByRole('button', { name: '中文' }).click();
  await page.locator(`[data-conversation-id="${first.conversation_id}"]`).first().click({ timeout: 20_000 });
  const reason = page.getByTestId('clock-reason').first();
  await expect(reason).toContainText('适用策略', { timeout: 20_000 });
  expect(englishLeft((await page.getByTestId('clocks-panel').textContent()) ?? '')).toEqual([]);
  await shot('05-zh-clock-reason');

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-sla').click();
  const policies = page.getByTestId('policy-row');
  await expect(policies.first()).toBeVisible();
  for (const row of await policies.all()) {
    const name = (await row.getByTestId('policy-name-cell').textContent()) ?? '';
    expect(englishLeft(name), name).toEqual([]);
  }

  await page.getByTestId('settings-nav-auto-replies').click();
  // The demo's own rules run too; this test's rule is the one named after its label.
  const ours = page.getByTestId('automation-runs').getByTestId('run-row').filter({ hasText: label });
  await expect(ours.and(page.locator('[data-outcome="fired"]'))).toContainText('关键词“发货”', { timeout: 30_000 });
  await expect(ours.and(page.locator('[data-outcome="suppressed"]'))).toContainText('冷却期', { timeout: 30_000 });
  for (const row of await ours.all()) {
    const cells = row.locator('td');
    // Reason and actions: the columns the server explains (rule names are the user's own).
    for (const i of [3, 4]) {
      const text = (await cells.nth(i).textContent()) ?? '';
      expect(englishLeft(text), text).toEqual([]);
    }
  }
  await shot('05-zh-auto-reply-log');
  await page.getByRole('button', { name: 'English' }).click();
});
