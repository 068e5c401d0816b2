import { DEMO_PASSWORD, expect, logIn, openConversation, row, test } from '../support/fixtures';

// Li Na (reads Chinese, automatic translation on in the demo) answers a Spanish-speaking Walmart US
// buyer: she reads the message in Chinese, writes in Chinese and sends English that the linter checked.
test('read a Spanish Walmart message in Chinese, answer in Chinese, send it in English after the linter', async ({ page, api, shot }) => {
  const walmart = await api.channel('walmart', 'Walmart US (e2e)');
  const pushed = await api.pushBuyerMessage(walmart, {
    subject: 'Pedido',
    body: 'Hola, buen día. Dice que fue entregado pero no recibí nada. ¿Dónde está?',
    buyerName: 'María López',
  });
  await logIn(page, 'li.na@hourglass.local', DEMO_PASSWORD);
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);

  const buyer = page.locator(`[data-testid="message"][data-message-id="${pushed.id}"]`);
  await expect(buyer.getByTestId('message-language')).toHaveText('西班牙语');
  await expect(buyer.getByTestId('message-translation')).toHaveText('你好，日安。显示已签收，但我什么都没收到。包裹在哪里？');
  // The original is one click away.
  await buyer.getByTestId('translate-toggle-message').click();
  await expect(buyer.getByTestId('message-body')).toContainText('no recibí nada');
  await buyer.getByTestId('translate-toggle-message').click();
  await expect(buyer.getByTestId('message-translation')).toBeVisible();
  await shot('17-read-in-chinese');

  await page.getByTestId('translate-toggle').check();
  await page.getByTestId('composer-input').fill('您好，感谢您联系我们。很抱歉给您带来不便。我们已经联系了物流公司。');
  await page.getByTestId('translate-draft').click();
  const translation = page.getByTestId('translation-input');
  await expect(translation).toHaveValue(
    'Hello, thank you for contacting us. We are sorry for the inconvenience. We have contacted the carrier.',
  );
  await translation.press('Control+End');
  await translation.pressSequentially(' Have a nice day.');
  await expect(page.getByTestId('lint-status')).toHaveText('符合平台规则');
  await shot('17-send-in-english');
  await page.getByTestId('send-reply').click();

  const outbound = page.locator('[data-testid="message"][data-direction="outbound"][data-author="human"]');
  await expect(outbound).toContainText('We have contacted the carrier. Have a nice day.');
  const detail = await api.conversation(pushed.conversation_id);
  const sent = detail.messages.filter((m) => m.direction === 'outbound' && m.author_kind === 'human') as unknown as {
    body: string;
    original_text: string | null;
  }[];
  expect(sent).toHaveLength(1);
  expect(sent[0]?.body).toBe('Hello, thank you for contacting us. We are sorry for the inconvenience. We have contacted the carrier. Have a nice day.');
  expect(sent[0]?.original_text).toBe('您好，感谢您联系我们。很抱歉给您带来不便。我们已经联系了物流公司。');
});
