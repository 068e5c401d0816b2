import { describe, expect, it } from 'vitest';
import { checkFields, connectFailure, defaultsFor, isChannelBound, isConsentMarketplace } from './connect-guide';

describe('connect guide', () => {
  it('starts mail relays with TLS defaults and marketplaces with consent pages with none', () => {
    expect(defaultsFor('walmart')).toEqual({
      'settings.imap_port': '993',
      'settings.imap_security': 'ssl',
      'settings.smtp_port': '587',
      'settings.smtp_security': 'starttls',
    });
    expect(defaultsFor('ebay')).toEqual({});
    expect(isConsentMarketplace('shopee')).toBe(true);
    // Amazon: its consent (SP-API) authorizes a relay channel connected first with the form.
    expect(isConsentMarketplace('amazon')).toBe(true);
    expect(isChannelBound('amazon')).toBe(true);
    expect(isChannelBound('ebay')).toBe(false);
    expect(isConsentMarketplace('walmart')).toBe(false);
  });

  it('names each field that is missing or malformed', () => {
    const problems = checkFields('walmart', {
      ...defaultsFor('walmart'),
      'settings.seller_email': 'care-at-example',
      'settings.imap_host': 'imap.example.com',
      'settings.smtp_host': 'smtp example',
      'settings.smtp_port': '70000',
      'credentials.imap_username': 'care@example.com',
    });
    expect(Object.fromEntries(problems)).toEqual({
      'settings.seller_email': 'email',
      'settings.smtp_host': 'host',
      'settings.smtp_port': 'port',
      'credentials.imap_password': 'required',
    });
  });

  it('accepts a complete relay form', () => {
    const values = {
      ...defaultsFor('amazon'),
      'settings.seller_email': 'support@example.com',
      'settings.imap_host': '127.0.0.1',
      'settings.smtp_host': 'smtp.example.com',
      'credentials.imap_username': 'u',
      'credentials.imap_password': 'p',
    };
    expect(checkFields('amazon', values).size).toBe(0);
  });

  it('reads unknown callback reasons as a failed check', () => {
    expect(connectFailure('denied')).toBe('denied');
    expect(connectFailure('<script>')).toBe('check_failed');
  });
});
