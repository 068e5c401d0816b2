/**
 * What connecting a store asks for, per marketplace. The API checks the shape (422 naming each
 * missing field as `credentials.x` / `settings.x`) and then makes one call to the marketplace; this
 * list only decides which inputs to show. It follows api/channel/connectors (required_credentials,
 * required_settings and each connector's validate()); the API has no endpoint describing it.
 */
export type FieldKind = 'text' | 'secret' | 'number' | 'bool' | 'select';

export interface ConnectorField {
  key: string;
  group: 'credentials' | 'settings';
  kind: FieldKind;
  required?: boolean;
  options?: readonly string[];
}

const mail: ConnectorField[] = [
  { key: 'seller_email', group: 'settings', kind: 'text', required: true },
  { key: 'imap_host', group: 'settings', kind: 'text', required: true },
  { key: 'imap_port', group: 'settings', kind: 'number' },
  // ssl: implicit TLS (993); starttls: upgraded before LOGIN (143). Certificates are always verified.
  { key: 'imap_security', group: 'settings', kind: 'select', options: ['ssl', 'starttls', 'none'] },
  { key: 'imap_username', group: 'credentials', kind: 'text', required: true },
  { key: 'imap_password', group: 'credentials', kind: 'secret', required: true },
  { key: 'smtp_host', group: 'settings', kind: 'text', required: true },
  { key: 'smtp_port', group: 'settings', kind: 'number' },
  { key: 'smtp_security', group: 'settings', kind: 'select', options: ['starttls', 'ssl', 'none'] },
  { key: 'smtp_username', group: 'credentials', kind: 'text' },
  { key: 'smtp_password', group: 'credentials', kind: 'secret' },
  // Seconds a relay's acceptance waits for a bounce before the reply counts as delivered.
  { key: 'bounce_window_seconds', group: 'settings', kind: 'number' },
  { key: 'sent_mailbox', group: 'settings', kind: 'text' },
];

const baseUrl: ConnectorField = { key: 'base_url', group: 'settings', kind: 'text' };

export const CONNECTOR_FIELDS: Readonly<Record<string, readonly ConnectorField[]>> = {
  walmart: [
    ...mail,
    { key: 'client_id', group: 'credentials', kind: 'text' },
    { key: 'client_secret', group: 'credentials', kind: 'secret' },
    baseUrl,
  ],
  amazon: [
    ...mail,
    { key: 'lwa_client_id', group: 'credentials', kind: 'text' },
    { key: 'lwa_client_secret', group: 'credentials', kind: 'secret' },
    { key: 'refresh_token', group: 'credentials', kind: 'secret' },
    { key: 'marketplace_id', group: 'settings', kind: 'text' },
    baseUrl,
  ],
  email: mail,
  ebay: [
    { key: 'seller_username', group: 'settings', kind: 'text', required: true },
    { key: 'client_id', group: 'credentials', kind: 'text' },
    { key: 'client_secret', group: 'credentials', kind: 'secret' },
    { key: 'refresh_token', group: 'credentials', kind: 'secret' },
    { key: 'access_token', group: 'credentials', kind: 'secret' },
    baseUrl,
  ],
  shopee: [
    { key: 'partner_id', group: 'credentials', kind: 'text', required: true },
    { key: 'partner_key', group: 'credentials', kind: 'secret', required: true },
    { key: 'shop_id', group: 'credentials', kind: 'text', required: true },
    { key: 'access_token', group: 'credentials', kind: 'secret', required: true },
    { key: 'refresh_token', group: 'credentials', kind: 'secret' },
    { key: 'shop_user_id', group: 'credentials', kind: 'text' },
    baseUrl,
  ],
  tiktok: [
    { key: 'app_key', group: 'credentials', kind: 'text', required: true },
    { key: 'app_secret', group: 'credentials', kind: 'secret', required: true },
    { key: 'access_token', group: 'credentials', kind: 'secret', required: true },
    { key: 'refresh_token', group: 'credentials', kind: 'secret' },
    { key: 'shop_id', group: 'credentials', kind: 'text' },
    { key: 'shop_cipher', group: 'credentials', kind: 'text' },
    baseUrl,
  ],
  api: [],
};

export type FieldValues = Record<string, string | boolean>;

/** The request's `settings` and `credentials` from the form's values (empty inputs left out). */
export function connectionBody(marketplace: string, values: FieldValues): { settings: Record<string, unknown>; credentials: Record<string, string> | null } {
  const settings: Record<string, unknown> = {};
  const credentials: Record<string, string> = {};
  for (const f of CONNECTOR_FIELDS[marketplace] ?? []) {
    const raw = values[`${f.group}.${f.key}`];
    if (raw === undefined || raw === '') continue;
    if (f.group === 'credentials') credentials[f.key] = String(raw);
    else if (f.kind === 'number') {
      const n = Number(raw);
      if (Number.isFinite(n)) settings[f.key] = n;
    } else settings[f.key] = raw;
  }
  return { settings, credentials: Object.keys(credentials).length ? credentials : null };
}
