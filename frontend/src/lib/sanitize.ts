import DOMPurify from 'dompurify';

/**
 * Buyer email HTML is hostile until proven otherwise. It is sanitised with DOMPurify and then shown
 * only inside `<iframe sandbox srcdoc>` (no scripts, no same origin, no forms, no popups) whose own
 * CSP forbids every fetch except images; the two layers fail independently.
 */
export const EMAIL_CSP = "default-src 'none'; img-src data: https:; style-src 'unsafe-inline'";

const BASE_STYLE =
  'body{margin:0;padding:8px 12px;font:13px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;color:#1f2937;word-wrap:break-word}img{max-width:100%;height:auto}blockquote{margin:0 0 0 8px;padding-left:8px;border-left:2px solid #d1d5db;color:#6b7280}';

export function sanitizeHtml(html: string): string {
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'base', 'meta', 'link'],
    FORBID_ATTR: ['srcset', 'action', 'formaction', 'ping'],
  });
}

/** The complete srcdoc for an email body that has already been sanitised. */
export function emailDocument(cleanHtml: string): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${EMAIL_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    `<style>${BASE_STYLE}</style>`,
    `</head><body>${cleanHtml}</body></html>`,
  ].join('');
}
