// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { resetApi } from '@/test/api';
import { message, renderApp } from '@/test/render';
import { DeliveryStatus } from './delivery-status';

afterEach(() => {
  cleanup();
  resetApi();
});

const bounced = message('m1', 'c1', {
  direction: 'outbound',
  author_kind: 'human',
  delivery_status: 'failed',
  delivery_error: 'Bounced: 550 5.7.1 Message rejected: links to sites outside Walmart are not allowed (www.ups.com)',
  bounced_at: '2026-12-04T19:00:05Z',
  failure: { reason: 'mail_policy', action: 'edit_and_resend', retry_helps: false },
});

const awaiting = message('m2', 'c1', {
  direction: 'outbound',
  author_kind: 'human',
  delivery_status: 'accepted',
  confirm_after: '2026-12-04T19:15:00Z',
});

describe('delivery status', () => {
  it('shows a bounced reply as failed, returned by the relay, with the relay’s reason and a retry', async () => {
    await renderApp(<DeliveryStatus message={bounced} />);
    const status = screen.getByTestId('delivery-status');
    expect(status).toHaveAttribute('data-status', 'failed');
    expect(status).toHaveTextContent('Failed');
    expect(screen.getByTestId('delivery-bounced')).toHaveTextContent('Bounced by the relay');
    // In words first, with what to do; the relay's own text one click away.
    expect(screen.getByTestId('failure-reason')).toHaveTextContent('refused the content');
    expect(screen.getByTestId('failure-action')).toHaveTextContent('Remove links, attachments and contact details');
    expect(screen.getByTestId('failure-action')).toHaveTextContent('Retrying the same reply will fail again.');
    expect(screen.queryByTestId('failure-detail')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Show the marketplace’s message' }));
    expect(screen.getByTestId('failure-detail')).toHaveTextContent('links to sites outside Walmart are not allowed (www.ups.com)');
    expect(screen.getByRole('button', { name: 'Hide the marketplace’s message' })).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeEnabled();
  });

  it('says the same in Chinese', async () => {
    await renderApp(<DeliveryStatus message={bounced} />, { language: 'zh-CN' });
    expect(screen.getByTestId('delivery-status')).toHaveTextContent('发送失败');
    expect(screen.getByTestId('delivery-bounced')).toHaveTextContent('被中转退回');
    expect(screen.getByTestId('failure-reason')).toHaveTextContent('平台的邮件中转拒绝了内容');
    expect(screen.getByRole('button', { name: '查看平台原始信息' })).toBeEnabled();
    expect(screen.getByRole('button', { name: '重试' })).toBeEnabled();
  });

  it('shows an accepted reply as awaiting confirmation until its window ends, without a retry', async () => {
    await renderApp(<DeliveryStatus message={awaiting} />);
    expect(screen.getByTestId('delivery-status')).toHaveTextContent('Sent, awaiting confirmation');
    expect(screen.getByTestId('delivery-awaiting')).toHaveTextContent('if no bounce comes back');
    expect(screen.queryByTestId('delivery-bounced')).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
    await renderApp(<DeliveryStatus message={awaiting} />, { language: 'zh-CN' });
    expect(screen.getAllByTestId('delivery-status').at(-1)).toHaveTextContent('已发出，待确认');
  });

  it('does not mark an ordinary refusal as a bounce', async () => {
    await renderApp(
      <DeliveryStatus
        message={{
          ...bounced,
          bounced_at: null,
          delivery_error: '400 355007: Invalid or unrecognized conversation_id value.',
          failure: { reason: 'conversation_unknown', action: 'answer_on_marketplace', retry_helps: false },
        }}
      />,
    );
    expect(screen.queryByTestId('delivery-bounced')).toBeNull();
    expect(screen.getByTestId('failure-reason')).toHaveTextContent('The marketplace no longer recognises this conversation.');
    expect(screen.getByTestId('failure-action')).toHaveTextContent('message centre');
    expect(screen.getByTestId('delivery-status')).not.toHaveTextContent('355007');
    await userEvent.click(screen.getByRole('button', { name: 'Show the marketplace’s message' }));
    expect(screen.getByTestId('failure-detail')).toHaveTextContent('400 355007: Invalid or unrecognized conversation_id value.');
  });
});
