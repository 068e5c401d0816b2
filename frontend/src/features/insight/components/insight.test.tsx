// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, resetApi } from '@/test/api';
import { renderApp } from '@/test/render';
import { CsatDecision } from './csat-decision';
import { InsightPage } from './insight-page';

afterEach(() => {
  cleanup();
  resetApi();
});

const ISO = '2026-12-04T10:00:00Z';
const decision = (overrides: Record<string, unknown> = {}) => ({
  id: 's1',
  conversation_id: 'conv-1',
  marketplace: 'walmart',
  order_id: null,
  agent_id: null,
  category: 'shipping',
  state: 'refused',
  allowed: false,
  form: null,
  reason: "not allowed: Walmart's Seller Code of Conduct forbids initiating unsolicited contact",
  source: 'Walmart Seller Code of Conduct and Review Policy (marketplacelearn.walmart.com)',
  language: 'en',
  resolved_at: ISO,
  due_at: null,
  sent_at: null,
  message_id: null,
  score: null,
  answered_at: null,
  answered_via: null,
  answer_message_id: null,
  ...overrides,
});

describe('CSAT decision', () => {
  it('shows a refusal with its reason and source, in Chinese too', async () => {
    mockApi({ 'GET /v1/csat/conversations/:id': [decision()] });
    await renderApp(<CsatDecision conversationId="conv-1" status="resolved" />, { language: 'zh-CN' });
    expect(await screen.findByTestId('csat-decision-state')).toHaveTextContent('不允许');
    expect(screen.getByTestId('csat-decision-reason')).toHaveTextContent('Seller Code of Conduct');
    expect(screen.getByTestId('csat-decision')).toHaveTextContent('规则来源');
  });

  it('shows the score of an answered in-thread question, and nothing without a decision', async () => {
    mockApi({
      'GET /v1/csat/conversations/:id': (_r, p) =>
        p['id'] === 'conv-1' ? [decision({ state: 'answered', allowed: true, form: 'in_thread', score: 5, marketplace: 'ebay' })] : [],
    });
    await renderApp(<CsatDecision conversationId="conv-1" status="resolved" />);
    expect(await screen.findByTestId('csat-decision-state')).toHaveTextContent('Rated · in-thread question · 5 of 5');
    cleanup();
    await renderApp(<CsatDecision conversationId="conv-2" status="resolved" />);
    await waitFor(() => expect(screen.queryByTestId('csat-decision')).toBeNull());
  });
});

describe('product issues', () => {
  it('lists SKUs with the jump flag; a row shows its messages, a message opens its conversation', async () => {
    const api = mockApi({
      'GET /v1/product-issues': {
        start: ISO,
        end: ISO,
        reasons: ['damaged', 'wrong_item', 'missing_part', 'late', 'not_as_described', 'sizing'],
        rows: [
          {
            sku: 'MUG-350',
            title: 'Ceramic mug',
            messages: 12,
            conversations: 12,
            reasons: { damaged: 12, wrong_item: 0, missing_part: 0, late: 0, not_as_described: 0, sizing: 0 },
            units_ordered: 720,
            rate_per_1000: 16.67,
            jump: { jumped: true, current_rate: 50, baseline_rate: 10, reason: '50 per 1,000 units against 10 before' },
            trend: [1, 1, 2, 1, 1, 6],
          },
        ],
      },
      'GET /v1/product-issues/examples': [
        {
          message_id: 'm1',
          conversation_id: 'conv-9',
          marketplace: 'api',
          sku: 'MUG-350',
          title: 'Ceramic mug',
          reasons: ['damaged'],
          sent_at: ISO,
          subject: 'Broken mug',
          excerpt: 'The mug arrived broken',
        },
      ],
    });
    const open = vi.fn();
    await renderApp(<InsightPage section="products" onSection={() => undefined} onOpenConversation={open} />);
    const row = await screen.findByTestId('product-issue-row');
    expect(row).toHaveTextContent('16.7');
    expect(screen.getByTestId('product-issue-jump')).toHaveTextContent('Rate jumped');
    await userEvent.click(row);
    await userEvent.click(await screen.findByTestId('product-issue-example'));
    expect(open).toHaveBeenCalledWith('conv-9');
    expect(api.to('GET', '/v1/product-issues/examples')[0]?.query.get('sku')).toBe('MUG-350');
  });
});
