import { describe, expect, it } from 'vitest';
import { connectionBody, CONNECTOR_FIELDS } from './connectors';

describe('connectionBody', () => {
  it('splits the form into settings (typed) and credentials (strings), leaving empty inputs out', () => {
    expect(
      connectionBody('walmart', {
        'settings.seller_email': 'shop@example.com',
        'settings.imap_host': 'imap.example.com',
        'settings.imap_port': '993',
        'settings.imap_security': 'starttls',
        'settings.bounce_window_seconds': '600',
        'credentials.imap_username': 'u',
        'credentials.imap_password': 'p',
        'credentials.client_id': '',
      }),
    ).toEqual({
      settings: {
        seller_email: 'shop@example.com',
        imap_host: 'imap.example.com',
        imap_port: 993,
        imap_security: 'starttls',
        bounce_window_seconds: 600,
      },
      credentials: { imap_username: 'u', imap_password: 'p' },
    });
  });
  it('has no credentials for an ERP channel', () => {
    expect(connectionBody('api', {})).toEqual({ settings: {}, credentials: null });
    expect(CONNECTOR_FIELDS['api']).toEqual([]);
  });
});
