/**
 * The guided "Connect store" flow, pure parts: which marketplaces go through their own consent page,
 * the defaults a mail relay form starts with, checks a field can fail before anything is sent (the
 * API checks again and maps its problem+json errors onto the same fields), and why Connect is
 * disabled.
 */
import { CONNECTOR_FIELDS, type FieldValues } from './connectors';

/** Marketplaces the API can connect through their consent page (when this Hourglass has an app there). */
export const CONSENT_MARKETPLACES = ['ebay', 'shopee', 'tiktok', 'amazon'] as const;
export type ConsentMarketplace = (typeof CONSENT_MARKETPLACES)[number];

/** Consent flows that authorize a channel connected first with its form (Amazon: the mail relay, then SP-API). */
export function isChannelBound(m: string): boolean {
  return m === 'amazon';
}

export function isConsentMarketplace(m: string): m is ConsentMarketplace {
  return (CONSENT_MARKETPLACES as readonly string[]).includes(m);
}

/** Why the callback could not connect (the API's `reason` codes), each with words in the locale files. */
export const CONNECT_FAILURES = [
  'denied',
  'state_invalid',
  'state_expired',
  'state_used',
  'wrong_organization',
  'not_configured',
  'refused_host',
  'unreachable',
  'exchange_refused',
  'check_failed',
] as const;
export type ConnectFailure = (typeof CONNECT_FAILURES)[number];

export function connectFailure(reason: string | null): ConnectFailure {
  return (CONNECT_FAILURES as readonly string[]).includes(reason ?? '') ? (reason as ConnectFailure) : 'check_failed';
}

/** What a mail relay form starts with: implicit TLS for IMAP on 993, STARTTLS submission on 587. */
export const MAIL_DEFAULTS: FieldValues = {
  'settings.imap_port': '993',
  'settings.imap_security': 'ssl',
  'settings.smtp_port': '587',
  'settings.smtp_security': 'starttls',
};

export function defaultsFor(marketplace: string): FieldValues {
  const keys = new Set((CONNECTOR_FIELDS[marketplace] ?? []).map((f) => `${f.group}.${f.key}`));
  return Object.fromEntries(Object.entries(MAIL_DEFAULTS).filter(([k]) => keys.has(k)));
}

/** A port the user may pick when they change the security mode (only if they kept the default). */
export const SECURITY_PORTS: Record<string, Record<string, string>> = {
  imap: { ssl: '993', starttls: '143', none: '143' },
  smtp: { ssl: '465', starttls: '587', none: '25' },
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export type FieldProblem = 'required' | 'email' | 'host' | 'port' | 'url' | 'number';

/** Problems found in the values before sending, by field id (`settings.imap_port`...). */
export function checkFields(marketplace: string, values: FieldValues): Map<string, FieldProblem> {
  const problems = new Map<string, FieldProblem>();
  for (const f of CONNECTOR_FIELDS[marketplace] ?? []) {
    const id = `${f.group}.${f.key}`;
    const raw = values[id];
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (!text) {
      if (f.required) problems.set(id, 'required');
      continue;
    }
    if (f.key === 'seller_email' && !EMAIL.test(text)) problems.set(id, 'email');
    else if (f.key.endsWith('_host') && !HOST.test(text)) problems.set(id, 'host');
    else if (f.key.endsWith('_port')) {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > 65535) problems.set(id, 'port');
    } else if (f.key === 'base_url' && !/^https?:\/\/[^\s/]+/.test(text)) problems.set(id, 'url');
    else if (f.kind === 'number' && !Number.isFinite(Number(text))) problems.set(id, 'number');
  }
  return problems;
}
