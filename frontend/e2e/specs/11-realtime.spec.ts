import type { WebSocketRoute } from '@playwright/test';
import { expect, logIn, openConversation, row, test } from '../support/fixtures';

interface Frame {
  type: string;
  seq?: number;
  conversation_id?: string | null;
  data?: Record<string, unknown>;
}

/**
 * The real `/v1/ws`: a pushed buyer message arrives as a `message.created` frame and shows without
 * polling, another agent opening the conversation shows up through presence, and their assignment
 * reaches this tab as an event.
 */
test('the real socket: live arrival, another agent’s presence and assignment', async ({ page, browser, api, shot }) => {
  const frames: Frame[] = [];
  const urls: string[] = [];
  page.on('websocket', (ws) => {
    urls.push(ws.url());
    ws.on('framereceived', ({ payload }) => {
      try {
        frames.push(JSON.parse(String(payload)) as Frame);
      } catch {
        // not JSON: not ours
      }
    });
  });
  await logIn(page);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
  await expect(page.getByTestId('connection-status')).toHaveText('Live');
  // The session token travels as a subprotocol, never in the URL (nor in access logs).
  expect(urls[0]).toMatch(/\/v1\/ws$/);
  expect(frames[0]?.type).toBe('hello');

  // While live nothing polls: count the list requests between the push and the row showing up.
  let listRequests = 0;
  page.on('request', (r) => {
    if (/\/v1\/conversations\?/.test(r.url())) listRequests += 1;
  });
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, {
    subject: 'Live over the socket',
    body: 'Is the socket real?',
    buyerName: 'Socket Sam',
    orderId: '800-0000002-0000002',
  });
  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 15_000 });
  expect(frames.some((f) => f.type === 'message.created' && f.conversation_id === pushed.conversation_id)).toBe(true);
  // One refetch caused by the event burst (or two when sandbox traffic lands in between), not a 5 s poll loop.
  expect(listRequests).toBeLessThanOrEqual(3);

  await openConversation(page, pushed.conversation_id);

  // Li Na (zh-CN) opens the same conversation in her own browser.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await logIn(other, 'li.na@hourglass.local');
  await expect(other.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
  await other.goto(`/inbox/${pushed.conversation_id}`);
  await expect(other.getByTestId('workspace')).toHaveAttribute('data-conversation-id', pushed.conversation_id);
  await expect(page.getByTestId('presence')).toContainText('Li Na is viewing', { timeout: 15_000 });
  await expect(other.getByTestId('presence')).toContainText('Demo Admin');

  // She assigns it to herself: this tab follows without a request of its own.
  const liNaId = await api.userId('li.na@hourglass.local');
  const liNaToken = await api.login('li.na@hourglass.local', 'hourglass-demo');
  await api.updateConversation(pushed.conversation_id, { assignee_id: liNaId }, liNaToken);
  await expect(page.getByTestId('assignee-select')).toHaveValue(liNaId, { timeout: 15_000 });
  await expect(row(page, pushed.conversation_id)).toContainText('Li Na');
  expect(frames.some((f) => f.type === 'conversation.assigned' && f.conversation_id === pushed.conversation_id)).toBe(true);
  await shot('11-realtime-presence');

  // She leaves: her presence disappears here.
  await other.goto('/inbox');
  await expect(page.getByTestId('presence')).toHaveCount(0, { timeout: 15_000 });
  await otherContext.close();
});

/**
 * What the real server does only now and then, scripted (Playwright's routeWebSocket): a dropped
 * connection resumes with ?since=<last seq>, seq gaps are normal (seq is global across
 * organizations) while replays are dropped, `resync` refetches what is on screen, and
 * `{"type":"reconnect"}` is honoured at once.
 */
test('scripted socket: resume with ?since=, duplicates dropped, gaps tolerated, resync and reconnect', async ({ page, api }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'Protocol check', body: 'Hello?', buyerName: 'Script Sue', orderId: '800-0000001-0000001' });
  const liNa = await api.userId('li.na@hourglass.local');
  const carlos = await api.userId('carlos@hourglass.local');

  const urls: string[] = [];
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/v1\/ws/, (ws) => {
    urls.push(ws.url());
    sockets.push(ws);
    // As the server does: a resumed stream continues from the client's seq, a fresh one from "now".
    const since = new URL(ws.url()).searchParams.get('since');
    ws.send(JSON.stringify({ type: 'hello', seq: since ? Number(since) : 100, server_time: new Date().toISOString(), data: { resumed: since !== null } }));
  });
  const send = (ws: WebSocketRoute, frame: Frame) => ws.send(JSON.stringify({ server_time: new Date().toISOString(), ...frame }));
  const assigned = (seq: number, assignee: string | null): Frame => ({
    type: 'conversation.assigned',
    seq,
    conversation_id: pushed.conversation_id,
    data: { id: pushed.conversation_id, assignee_id: assignee, changed: ['assignee_id'] },
  });

  await logIn(page);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open', { timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);
  const ws = sockets[0]!;

  send(ws, assigned(101, liNa));
  await expect(page.getByTestId('assignee-select')).toHaveValue(liNa);
  send(ws, assigned(101, null)); // the same event again (a replay): dropped
  send(ws, assigned(99, null)); // an older one: dropped
  send(ws, assigned(5_000, carlos)); // other organizations used 102..4999: applied, no alarm
  await expect(page.getByTestId('assignee-select')).toHaveValue(carlos);

  // `resync`: the server lost track of us; what is on screen is fetched again.
  const refetch = page.waitForRequest((r) => /\/v1\/conversations\?/.test(r.url()));
  send(ws, { type: 'resync' });
  await refetch;

  // The server drops the connection: the client resumes after the last event it applied.
  await ws.close();
  await expect.poll(() => urls.length, { timeout: 10_000 }).toBe(2);
  expect(urls[1]).toContain('since=5000');
  expect(urls[1]).not.toContain('token=');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'open');

  // {"type":"reconnect"} is honoured at once.
  sockets[1]!.send(JSON.stringify({ type: 'reconnect', data: { reason: 'connection lifetime reached' } }));
  await expect.poll(() => urls.length, { timeout: 5_000 }).toBe(3);
});
