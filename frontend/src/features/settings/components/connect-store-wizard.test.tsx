// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockApi, problem, resetApi } from '@/test/api';
import { directory, renderApp } from '@/test/render';
import { ConnectStoreWizard } from './connect-store-wizard';

afterEach(() => {
  cleanup();
  resetApi();
  vi.unstubAllGlobals();
});

const options = { 'GET /v1/channels/connect': { consent: ['ebay', 'shopee', 'tiktok'] } };

/** A marketplace choice, once the connect options have loaded (until then the choices are disabled). */
async function enabled(testId: string): Promise<HTMLElement> {
  const button = await screen.findByTestId(testId);
  await vi.waitFor(() => expect(button).toBeEnabled());
  return button;
}

describe('connect store wizard', () => {
  it('guides a mail relay: defaults filled, help per field, Connect disabled with the reason, field problems named', async () => {
    mockApi({ ...directory, ...options });
    await renderApp(<ConnectStoreWizard onClose={() => {}} />);
    await userEvent.click(await enabled('connect-choose-walmart'));
    expect(screen.getByTestId('connect-step-authorize')).toHaveTextContent('Fill in the details');
    expect(screen.getByTestId('channel-settings.imap_port')).toHaveValue('993');
    expect(screen.getByTestId('channel-settings.smtp_security')).toHaveValue('starttls');
    expect(screen.getByTestId('field-settings.seller_email')).toHaveTextContent('designated customer care email address');
    expect(screen.getByTestId('connect-submit')).toBeDisabled();
    expect(screen.getByTestId('connect-disabled-reason')).toHaveTextContent('Store name, Seller email address, IMAP host');
    await userEvent.type(screen.getByTestId('channel-settings.seller_email'), 'care-at-shop');
    await userEvent.tab();
    expect(screen.getByTestId('field-settings.seller_email')).toHaveTextContent('Enter an email address');
    // Switching IMAP to STARTTLS moves the default port with it.
    await userEvent.selectOptions(screen.getByTestId('channel-settings.imap_security'), 'starttls');
    expect(screen.getByTestId('channel-settings.imap_port')).toHaveValue('143');
  }, 30_000);

  it('sends a marketplace with a consent page to it', async () => {
    const assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, assign });
    const api = mockApi({
      ...directory,
      ...options,
      'POST /v1/channels/connect/:m/start': { marketplace: 'ebay', authorize_url: 'https://auth.example/consent', expires_in: 600 },
    });
    await renderApp(<ConnectStoreWizard onClose={() => {}} />);
    await userEvent.click(await enabled('connect-choose-ebay'));
    expect(screen.getByTestId('connect-authorize-step')).toHaveTextContent('Press Allow');
    await userEvent.click(screen.getByTestId('connect-authorize'));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://auth.example/consent'));
    expect(api.calls.some((c) => c.path === '/v1/channels/connect/ebay/start')).toBe(true);
  });

  it('says when the connect options could not be loaded, keeps the consent choices waiting, and asks again', async () => {
    let failing = true;
    mockApi({
      ...directory,
      'GET /v1/channels/connect': () => (failing ? problem(500, 'The server had a problem.') : options['GET /v1/channels/connect']),
    });
    await renderApp(<ConnectStoreWizard onClose={() => {}} />);
    // The app asks again twice after a 5xx (src/lib/react-query.ts) before it gives up.
    expect(await screen.findByTestId('connect-options-failed', {}, { timeout: 10_000 })).toHaveTextContent('The server had a problem.');
    // eBay without the options would open the form instead of eBay's consent page; a mailbox form needs none.
    expect(screen.getByTestId('connect-choose-ebay')).toBeDisabled();
    expect(screen.getByTestId('connect-choose-walmart')).toBeEnabled();
    failing = false;
    await userEvent.click(screen.getByTestId('connect-options-retry'));
    await userEvent.click(await enabled('connect-choose-ebay'));
    expect(screen.getByTestId('connect-authorize-step')).toHaveTextContent('Press Allow');
  }, 30_000);

  it('says in Chinese why the consent failed, with a way to retry once it knows where retry goes', async () => {
    // The page has just come back from the marketplace: the connect options are still loading.
    let release = () => {};
    const loaded = new Promise<void>((resolve) => (release = resolve));
    mockApi({ ...directory, 'GET /v1/channels/connect': async () => (await loaded, options['GET /v1/channels/connect']) });
    await renderApp(
      <ConnectStoreWizard onClose={() => {}} outcome={{ marketplace: 'tiktok', channelId: null, reason: 'denied', code: null }} />,
      { language: 'zh-CN' },
    );
    expect(await screen.findByTestId('connect-failed-reason')).toHaveTextContent('点击了“拒绝”');
    // Retry before the options arrive would open the form instead of TikTok Shop's consent page.
    expect(screen.getByTestId('connect-retry')).toBeDisabled();
    release();
    await vi.waitFor(() => expect(screen.getByTestId('connect-retry')).toBeEnabled());
    await userEvent.click(screen.getByTestId('connect-retry'));
    expect(await screen.findByTestId('connect-authorize-step')).toBeInTheDocument();
  });
});

describe('test connection', () => {
  it('names each failed part in Chinese, with the server it tried', async () => {
    mockApi({
      ...directory,
      ...options,
      'POST /v1/channels/test': {
        ok: false,
        checks: [
          { name: 'imap', ok: false, reason: 'login_refused', message: 'The IMAP server rejected the login.', target: 'imap.example.com:993' },
          { name: 'smtp', ok: false, reason: 'unreachable', message: 'Could not connect.', target: 'smtp.example.com:587' },
        ],
      },
    });
    await renderApp(<ConnectStoreWizard onClose={() => {}} />, { language: 'zh-CN' });
    await userEvent.click(await enabled('connect-choose-walmart'));
    await userEvent.click(screen.getByTestId('connect-test'));
    expect(await screen.findByTestId('check-imap')).toHaveTextContent('imap.example.com:993 的服务器拒绝了用户名或密码');
    expect(screen.getByTestId('check-smtp')).toHaveTextContent('无法连接 smtp.example.com:587');
    expect(screen.getByTestId('connection-checks')).toHaveTextContent('有检查未通过');
  });
});
