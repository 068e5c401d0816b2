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
