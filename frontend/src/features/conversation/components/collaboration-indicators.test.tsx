// @vitest-environment jsdom
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTyping, typing } from '@/lib/realtime-state';
import { mockApi, resetApi } from '@/test/api';
import { directory, ME, me, renderApp, user } from '@/test/render';
import { DraftLockBanner } from './draft-lock-banner';
import { TypingIndicator } from './typing-indicator';

afterEach(() => {
  cleanup();
  resetApi();
  typing.set(new Map());
});

const LI_NA = '0196f000-0000-7000-8000-0000000000a2';
const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

describe('typing indicator', () => {
  it('shows a colleague typing live, never oneself, and clears on stop (en and zh-CN)', async () => {
    mockApi(directory);
    await renderApp(<TypingIndicator conversationId="conv-1" />);
    const indicator = screen.getByTestId('typing-indicator');
    expect(indicator).toHaveAttribute('aria-live', 'polite');
    await waitFor(() => expect(screen.queryByTestId('typing-indicator')).toBeInTheDocument());
    // The broadcast reaches us too: our own typing is not shown.
    act(() => applyTyping('conv-1', { userId: ME, name: 'Demo Admin' }, 'typing', 6));
    await new Promise((r) => setTimeout(r, 50));
    expect(indicator).toHaveTextContent('');
    act(() => applyTyping('conv-1', { userId: 'u-carlos', name: 'Carlos Ruiz' }, 'typing', 6));
    await waitFor(() => expect(indicator).toHaveTextContent('Carlos Ruiz is typing…'));
    act(() => applyTyping('conv-2', { userId: 'u-li', name: 'Li Na' }, 'typing', 6));
    expect(indicator).not.toHaveTextContent('Li Na');
    act(() => applyTyping('conv-1', { userId: 'u-carlos', name: 'Carlos Ruiz' }, 'stopped', 0));
    await waitFor(() => expect(indicator).toHaveTextContent(''));
  });

  it('speaks Chinese', async () => {
    mockApi(directory);
    await renderApp(<TypingIndicator conversationId="conv-1" />, { language: 'zh-CN' });
    act(() => applyTyping('conv-1', { userId: 'u-carlos', name: 'Carlos Ruiz' }, 'typing', 6));
    await waitFor(() => expect(screen.getByTestId('typing-indicator')).toHaveTextContent('Carlos Ruiz 正在输入…'));
  });

  it('clears by itself when the typist’s client stops refreshing', async () => {
    mockApi(directory);
    await renderApp(<TypingIndicator conversationId="conv-1" />);
    act(() => applyTyping('conv-1', { userId: 'u-carlos', name: 'Carlos Ruiz' }, 'typing', 0.2));
    await waitFor(() => expect(screen.getByTestId('typing-indicator')).toHaveTextContent('Carlos Ruiz'));
    await waitFor(() => expect(screen.getByTestId('typing-indicator')).toHaveTextContent(''), { timeout: 2_000 });
  });
});

describe('draft lock banner', () => {
  const heldByLiNa = (_r: unknown, p: Record<string, string>) => ({
    conversation_id: p['id'],
    enabled: true,
    ttl_seconds: 120,
    holder: { user_id: LI_NA, name: 'Li Na', expires_at: inAMinute() },
    mine: false,
  });

  it('names a colleague holding the lock and lets a supervisor take it over', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/conversations/:id/draft-lock': heldByLiNa,
      'POST /v1/conversations/:id/draft-lock/take-over': (_r, p) => ({
        conversation_id: p['id'],
        enabled: true,
        ttl_seconds: 120,
        holder: { user_id: ME, name: 'Demo Admin', expires_at: inAMinute() },
        mine: true,
      }),
    });
    await renderApp(<DraftLockBanner conversationId="conv-1" />);
    const banner = await screen.findByTestId('draft-lock-holder');
    expect(banner).toHaveTextContent('Li Na is drafting a reply in this conversation');
    await userEvent.click(screen.getByTestId('draft-lock-take-over'));
    await waitFor(() => expect(screen.getByTestId('draft-lock-holder')).toHaveAttribute('data-mine', 'true'));
    expect(api.to('POST', '/v1/conversations/conv-1/draft-lock/take-over')).toHaveLength(1);
  });

  it('offers no take-over to an agent, and shows nothing when nobody holds it', async () => {
    mockApi({ ...directory, 'GET /v1/auth/me': { ...me(), user: user({ role: 'agent' }) }, 'GET /v1/conversations/:id/draft-lock': heldByLiNa });
    await renderApp(<DraftLockBanner conversationId="conv-1" />);
    await screen.findByTestId('draft-lock-holder');
    await waitFor(() => expect(screen.getByTestId('draft-lock-holder')).toHaveTextContent('Li Na'));
    expect(screen.queryByTestId('draft-lock-take-over')).toBeNull();
    cleanup();
    mockApi(directory);
    await renderApp(<DraftLockBanner conversationId="conv-2" />);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByTestId('draft-lock-holder')).toBeNull();
  });
});
