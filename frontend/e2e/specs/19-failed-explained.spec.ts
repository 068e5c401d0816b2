import { expectNoSeriousA11yViolations } from '../support/a11y';
import { expect, openConversation, row, test, uniqueName } from '../support/fixtures';

const EBAY_UNKNOWN = '400 355007: Invalid or unrecognized conversation_id value.';

test('failed replies say why and what to do, and many are retried at once', async ({ inbox: page, api, shot }) => {
  test.setTimeout(120_000);
  const erp = await api.channel('api', 'ERP feed');
  const token = uniqueName('Failing').replace(/\s+/g, '');
  const failures = [EBAY_UNKNOWN, '503: Service Unavailable'];
  const conversations: string[] = [];
  const replies: string[] = [];
  for (const [i, error] of failures.entries()) {
    const pushed = await api.pushBuyerMessage(erp, { subject: `${token} ${i}`, body: 'Where is my parcel?', buyerName: `Failing Buyer ${i}` });
    const reply = await api.request<{ id: string }>('POST', `/v1/conversations/${pushed.conversation_id}/replies`, { body: 'It ships today.' });
    await api.reportDelivery(reply.id, 'failed', error);
    conversations.push(pushed.conversation_id);
    replies.push(reply.id);
  }

  // The Failed view names each row's reason.
  await page.getByTestId('view-failed').click();
  await page.getByTestId('search').fill(token);
  const first = row(page, conversations[0]!);
  await expect(first.getByTestId('row-failure')).toHaveText('Failed: The marketplace no longer recognises this conversation.', { timeout: 20_000 });
  await expect(row(page, conversations[1]!).getByTestId('row-failure')).toHaveText('Failed: The marketplace had a temporary failure.');

  // On the message: the reason, what to do, and eBay's text one click away.
  await openConversation(page, conversations[0]!);
  const failure = page.getByTestId('delivery-failure');
  await expect(failure.getByTestId('failure-reason')).toHaveText('The marketplace no longer recognises this conversation.');
  await expect(failure.getByTestId('failure-action')).toContainText('message centre');
  await expect(failure.getByTestId('failure-detail')).toHaveCount(0);
  await failure.getByRole('button', { name: 'Show the marketplace’s message' }).click();
  await expect(failure.getByTestId('failure-detail')).toHaveText(EBAY_UNKNOWN);
  await expectNoSeriousA11yViolations(page, 'failed reply explained');
  await shot('19-failed-explained');

  // Retry both at once: a bulk job with a result per conversation.
  await page.getByTestId('select-all-loaded').check();
  await expect(page.getByTestId('bulk-count')).toHaveText('2 selected');
  await page.getByTestId('bulk-action').selectOption('retry_failed');
  await expect(page.getByTestId('bulk-value')).toHaveCount(0);
  await page.getByTestId('bulk-apply').click();
  const progress = page.getByTestId('bulk-progress');
  await expect(progress).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
  await expect(page.getByTestId('bulk-progress-count')).toHaveText('2 / 2');
  for (const id of replies) {
    const message = await api.request<{ delivery_status: string }>('GET', `/v1/messages/${id}`);
    expect(message.delivery_status).not.toBe('failed');
  }
  await expect(first).toHaveCount(0, { timeout: 20_000 });
});
