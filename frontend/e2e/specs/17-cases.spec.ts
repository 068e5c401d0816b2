import { expect, logIn, test } from '../support/fixtures';
import { uniqueId } from '../support/api';

test('a Chinese-speaking agent opens a return case from a Walmart conversation, moves it to refunded and closes it (no follow-up on Walmart)', async ({ page, api, shot }) => {
  const walmart = await api.channel('walmart', 'Walmart 售后');
  const orderId = uniqueId('WM');
  await api.request('PUT', `/v1/orders/${orderId}`, {
    channel_id: walmart,
    currency: 'USD',
    total_amount: '29.99',
    items: [{ sku: 'MUG-1', title: 'Ceramic mug', quantity: 1, unit_price: '29.99' }],
  });
  const pushed = await api.pushBuyerMessage(walmart, {
    subject: `Return request for order #${orderId}`,
    body: 'The mug arrived broken. I want to return it.',
    buyerName: 'Jane Walker',
    orderId,
  });

  // Follow-up contact on (a template, 3 days): Walmart still allows none, and the case says why.
  const templates = await api.request<{ id: string }[]>('GET', '/v1/templates');
  await api.request('PATCH', '/v1/cases/settings', { followup_enabled: true, followup_days: 3, followup_template_id: templates[0]!.id });

  await logIn(page, 'li.na@hourglass.local', 'hourglass-demo');
  await expect(page.getByTestId('view-unread')).toContainText('未读');
  await page.goto(`/inbox/${pushed.conversation_id}`);
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);

  const panel = page.getByTestId('case-panel');
  await expect(panel).toContainText('售后工单');
  await panel.getByTestId('open-case').click();
  await panel.getByTestId('case-kind').selectOption('return');
  await panel.getByTestId('case-open-reason').fill('商品破损，买家要求退货');
  await panel.getByTestId('case-amount').fill('29.99');
  await panel.getByTestId('case-submit').click();

  const card = panel.getByTestId('case-card');
  await expect(card.getByTestId('case-state')).toHaveText('待处理');
  await expect(card.getByTestId('case-deadline')).toContainText('请在');
  await shot('17-zh-case-opened');

  for (const [step, label] of [
    ['approved', '已同意'],
    ['item_shipped_back', '买家已寄回'],
    ['received', '已收到退货'],
    ['refunded', '已退款'],
  ] as const) {
    if (step === 'approved') await card.getByTestId('case-reason').fill('符合退货政策');
    await card.getByTestId(`case-to-${step}`).click();
    await expect(card.getByTestId('case-state')).toHaveText(label);
  }
  await card.getByTestId('case-history-toggle').click();
  await expect(card.getByTestId('case-history')).toContainText('待处理 → 已同意');
  await expect(card.getByTestId('case-history')).toContainText('符合退货政策');
  await shot('17-zh-case-refunded');
  await card.getByTestId('case-to-closed').click();
  await expect(card.getByTestId('case-state')).toHaveText('已关闭');
  await expect(card.getByTestId('case-followup')).toContainText('平台规则不允许回访');
  await expect(card.getByTestId('case-followup')).toContainText('Walmart');

  // A closed case offers no step at all.
  await expect(card.getByTestId('case-to-approved')).toHaveCount(0);

  // The queue shows it among refunded cases.
  await page.getByTestId('nav-cases').click();
  await expect(page.getByTestId('cases-page')).toContainText('售后工单');
  await page.getByTestId('cases-filter-state').selectOption('closed');
  await page.getByTestId('cases-filter-marketplace').selectOption('walmart');
  const row = page.locator('[data-testid="case-row"]', { hasText: orderId });
  await expect(row).toContainText('已关闭');
  await expect(row).toContainText('退货');
  await shot('17-zh-cases-queue');
  await row.click();
  await expect(page.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);
});

test('case settings: handling targets and the follow-up, in Chinese', async ({ inbox: page, shot }) => {
  await page.getByRole('button', { name: '中文' }).click();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-nav-cases').click();
  await expect(page.getByTestId('settings-cases')).toContainText('售后回访');
  await expect(page.getByTestId('case-hours-return')).toHaveValue('6');
  await expect(page.getByTestId('case-hours-claim')).toHaveValue('0');
  await page.getByTestId('case-hours-return').fill('4');
  await page.getByTestId('case-settings-save').click();
  await expect(page.getByTestId('case-settings-save')).toHaveText('已保存');
  await page.reload();
  await expect(page.getByTestId('case-hours-return')).toHaveValue('4');
  await shot('17-zh-case-settings');
  await page.getByTestId('case-hours-return').fill('6');
  await page.getByTestId('case-settings-save').click();
  await page.getByRole('button', { name: 'English' }).click();
});
