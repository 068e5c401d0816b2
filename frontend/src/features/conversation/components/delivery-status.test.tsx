// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
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
    expect(status).toHaveTextContent('links to sites outside Walmart are not allowed (www.ups.com)');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeEnabled();
  });

  it('says the same in Chinese', async () => {
    await renderApp(<DeliveryStatus message={bounced} />, { language: 'zh-CN' });
    expect(screen.getByTestId('delivery-status')).toHaveTextContent('发送失败');
    expect(screen.getByTestId('delivery-bounced')).toHaveTextContent('被中转退回');
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
    await renderApp(<DeliveryStatus message={{ ...bounced, bounced_at: null, delivery_error: '550 smtp: refused' }} />);
    expect(screen.queryByTestId('delivery-bounced')).toBeNull();
    expect(screen.getByTestId('delivery-status')).toHaveTextContent('550 smtp: refused');
  });
});
