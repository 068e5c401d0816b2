// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { components } from '@/api/schema';
import { mockApi, problem, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { MacroPicker } from './macro-picker';

type Macro = components['schemas']['MacroRead'];

const CONV = '0196f000-0000-7000-8000-0000000000f1';

function macro(id: string, name: string, actions: Macro['actions']): Macro {
  return {
    id,
    name,
    description: '',
    visibility: 'personal',
    team_id: null,
    owner_user_id: '0196f000-0000-7000-8000-0000000000a1',
    mine: true,
    can_edit: true,
    actions,
    created_at: '2026-12-06T00:00:00Z',
    updated_at: '2026-12-06T00:00:00Z',
  } as Macro;
}

const SHIPPED = macro('0196f000-0000-7000-8000-000000000001', 'Shipped', { priority: 'urgent', reply: { text: 'It shipped.' } });
const CLOSE = macro('0196f000-0000-7000-8000-000000000002', 'Close', { status: 'resolved' });

function preview(id: string, canApply: boolean) {
  return {
    macro_id: id,
    macro_name: 'Shipped',
    conversation_id: CONV,
    changes: [{ field: 'priority', before: 'normal', after: 'urgent', before_text: 'Normal', after_text: 'Urgent', words: 'Priority: Normal -> Urgent' }],
    reply: {
      text: 'It shipped.',
      template_id: null,
      template_name: null,
      violations: canApply ? [] : [{ code: 'external_link', message: 'Links outside Amazon are not allowed', start: 0, end: 3, severity: 'error', marketplace: 'amazon' }],
      blocked: !canApply,
    },
    can_apply: canApply,
    problems: canApply ? [] : [{ field: 'actions.reply', reason: 'Links outside Amazon are not allowed' }],
  };
}

afterEach(() => {
  cleanup();
  resetApi();
});

describe('macro picker', () => {
  it('is a combobox driven by the keyboard: arrows, Enter, preview, Apply', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/macros': [SHIPPED, CLOSE],
      'GET /v1/templates': [],
      'POST /v1/conversations/:c/macros/:m/preview': (_r: unknown, p: Record<string, string>) => preview(p['m'] ?? '', true),
      'POST /v1/conversations/:c/macros/:m/apply': (_r: unknown, p: Record<string, string>) => ({
        macro_id: p['m'],
        conversation_id: CONV,
        changes: [],
        reply_message_id: null,
        note_id: null,
      }),
    });
    await renderApp(<MacroPicker conversationId={CONV} />);
    const box = await screen.findByRole('combobox', { name: 'Apply a macro' });
    expect(box).toHaveAttribute('aria-expanded', 'false');
    box.focus();
    await userEvent.keyboard('{ArrowDown}');
    expect(box).toHaveAttribute('aria-expanded', 'true');
    const listbox = screen.getByRole('listbox');
    expect(box).toHaveAttribute('aria-controls', listbox.id);
    const options = screen.getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual([expect.stringContaining('Shipped'), expect.stringContaining('Close')]);
    expect(box.getAttribute('aria-activedescendant')).toBe(options[0]!.id);
    expect(options[0]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{ArrowDown}');
    expect(box.getAttribute('aria-activedescendant')).toBe(options[1]!.id);
    await userEvent.keyboard('{ArrowUp}{Enter}');
    expect(box).toHaveAttribute('aria-expanded', 'false');

    const changes = await screen.findByTestId('macro-changes');
    expect(changes).toHaveTextContent('Priority: Normal → Urgent');
    expect(screen.getByTestId('macro-reply-text')).toHaveTextContent('It shipped.');
    await userEvent.click(screen.getByTestId('macro-apply'));
    await waitFor(() => expect(screen.getByTestId('macro-applied')).toHaveTextContent('Applied “Shipped”.'));
    expect(api.to('POST', `/v1/conversations/${CONV}/macros/${SHIPPED.id}/apply`)).toHaveLength(1);
  });

  it('filters by typing and refuses to apply what the linter blocks, in Chinese', async () => {
    const api = mockApi({
      ...directory,
      'GET /v1/macros': [SHIPPED, CLOSE],
      'GET /v1/templates': [],
      'POST /v1/conversations/:c/macros/:m/preview': (_r: unknown, p: Record<string, string>) => preview(p['m'] ?? '', false),
      'POST /v1/conversations/:c/macros/:m/apply': problem(422, 'Nothing was changed'),
    });
    await renderApp(<MacroPicker conversationId={CONV} />, { language: 'zh-CN' });
    const box = await screen.findByRole('combobox', { name: '应用宏' });
    await userEvent.type(box, 'ship');
    expect(screen.getAllByRole('option')).toHaveLength(1);
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByTestId('macro-problems')).toHaveTextContent('回复违反了平台规则');
    expect(screen.getByTestId('macro-apply')).toBeDisabled();
    expect(screen.getByTestId('macro-changes')).toHaveTextContent('优先级：');
    // Esc closes the preview, not the conversation.
    box.focus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByTestId('macro-preview')).toBeNull();
    expect(api.to('POST', `/v1/conversations/${CONV}/macros/${SHIPPED.id}/apply`)).toHaveLength(0);
  });

  it('shows nothing when the person has no macro', async () => {
    mockApi({ ...directory, 'GET /v1/macros': [], 'GET /v1/templates': [] });
    await renderApp(<MacroPicker conversationId={CONV} />);
    await waitFor(() => expect(screen.queryByRole('combobox')).toBeNull());
  });
});
