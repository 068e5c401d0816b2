import type { WebSocketRoute } from '@playwright/test';
import { expect, logIn, openConversation, row, test } from '../support/fixtures';

/**
 * The WebSocket client against a scripted /v1/ws (Playwright's routeWebSocket) while everything
 * else is the real API: the frames are the announced protocol {type, seq, server_time, data}.
 * When the backend's own endpoint lands, the same UI paths run against it.
 */
test('pushed events update the inbox, the workspace and presence; the client resumes with ?since=', async ({ page, api, shot }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Realtime check',
    body: 'Is anyone there?',
    buyerName: 'Socket Sue',
    orderId: '800-0000001-0000001',
  });
  const users = await api.request<{ id: string; name: string }[]>('GET', '/v1/users');
  const liNa = users.find((u) => u.name === 'Li Na')!;

  const urls: string[] = [];
  const sockets: WebSocketRoute[] = [];
  let seq = 0;
  const send = (ws: WebSocketRoute, type: string, data: Record<string, unknown>) =>
    ws.send(JSON.stringify({ type, seq: ++seq, server_time: new Date().toISOString(), data }));
  await page.routeWebSocket(/\/v1\/ws/, (ws) => {
    urls.push(ws.url());
    sockets.push(ws);
  });

  await logIn(page);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
  expect(urls[0]).toMatch(/\/v1\/ws\?token=hgs_/);
  await expect(row(page, pushed.conversation_id)).toBeVisible();
  await openConversation(page, pushed.conversation_id);
  const ws = sockets[0]!;

  // Someone else opens it, and it is assigned to them: both show without any request from this tab.
  send(ws, 'presence', { conversation_id: pushed.conversation_id, viewers: [{ user_id: liNa.id, name: 'Li Na' }] });
  await expect(page.getByTestId('presence')).toContainText('Li Na is viewing');
  send(ws, 'conversation.assigned', { id: pushed.conversation_id, assignee_id: liNa.id, changed: ['assignee_id'] });
  await expect(page.getByTestId('assignee-select')).toHaveValue(liNa.id);
  await expect(row(page, pushed.conversation_id)).toContainText('Li Na');

  // The SLA moved to due soon: the badge turns amber at once.
  const deadline = new Date(Date.now() + 90 * 60_000).toISOString();
  send(ws, 'sla.updated', { conversation_id: pushed.conversation_id, sla_state: 'due_soon', sla_deadline: deadline });
  await expect(row(page, pushed.conversation_id).getByTestId('sla-countdown')).toHaveAttribute('data-tone', 'amber');

  // An escalation addressed to this agent.
  const me = await page.evaluate(async () => {
    const session = JSON.parse(localStorage.getItem('hourglass.session') ?? '{}') as { userId?: string };
    return session.userId ?? '';
  });
  send(ws, 'notification', {
    notification_id: 'n-e2e-1',
    user_id: me,
    kind: 'sla.due_soon',
    title: 'About to breach: 800-0000001-0000001',
    body: 'Reply due soon',
    conversation_id: pushed.conversation_id,
  });
  await expect(page.getByTestId('toast').filter({ hasText: 'About to breach' })).toContainText('800-0000001-0000001');
  await shot('11-realtime');

  // The server drops the connection: the client comes back and resumes after the last frame it saw.
  const lastSeq = seq;
  await ws.close();
  await expect.poll(() => urls.length, { timeout: 10_000 }).toBe(2);
  expect(urls[1]).toContain(`since=${lastSeq}`);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');

  // And a {"type":"reconnect"} request is honoured at once.
  sockets[1]!.send(JSON.stringify({ type: 'reconnect' }));
  await expect.poll(() => urls.length, { timeout: 5_000 }).toBe(3);
});
